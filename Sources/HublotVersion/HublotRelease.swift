/// The release of Hublot these programs belong to.
///
/// `VERSION` at the repository root is the one source: this constant, hublot-init's package version and the
/// image tags and labels (scripts/build-images) are checked against it by tests/repository/test_version.py.
public enum HublotRelease {
    /// The project's version (semantic versioning), as in `VERSION`.
    public static let version = "0.2.0"
}
