import HTTPTypes
import Hummingbird

/// The security headers of every answer of the front, errors included (added once, by HublotHTTP's
/// `ResponseHeadersMiddleware`): a Content-Security-Policy without `unsafe-inline` (scripts and styles come
/// only from `/static`), `nosniff`, a strict referrer policy and no framing by other sites.
public enum SecurityHeaders {
    /// The policy sent with every answer.
    public static var contentSecurityPolicy: ContentSecurityPolicy {
        [
            .defaultSrc(.none),
            .scriptSrc(.self),
            .styleSrc(.self),
            .imgSrc(.self, .uri("data:"), .uri("blob:")),
            .connectSrc(.self),
            .formAction(.self),
            .baseURI(.none),
            .frameAncestors(.none),
        ]
    }

    /// The headers.
    public static var fields: HTTPFields {
        [
            .contentSecurityPolicy: contentSecurityPolicy.description,
            .xContentTypeOptions: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Cross-Origin-Opener-Policy")!: "same-origin",
        ]
    }
}
