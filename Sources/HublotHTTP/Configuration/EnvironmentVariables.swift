import Foundation
import Logging

/// The environment fallbacks of both executables' options: a variable that is unset or empty gives
/// nothing, a variable that is set must hold a valid value, or the program stops with a message naming it.
public struct EnvironmentVariables: Sendable {
    /// A variable whose value cannot be used.
    public struct InvalidValue: Error, CustomStringConvertible {
        /// The variable's name.
        public let name: String
        /// Its value.
        public let value: String
        /// What it should hold.
        public let expected: String
        /// Describes the problem with `value`, the value of `name` (a variable or a flag).
        public init(name: String, value: String, expected: String) {
            self.name = name
            self.value = value
            self.expected = expected
        }

        /// `HUBLOT_PORT=abc is not valid: expected an integer in 0...65535`.
        public var description: String { "\(name)=\(value) is not valid: expected \(expected)" }
    }

    private let values: [String: String]

    /// Reads `values` (default: the process's environment).
    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The value of `name`, when set and not empty.
    public func string(_ name: String) -> String? {
        values[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The value of `name` converted by `parse`; throws when it is set but `parse` refuses it.
    public func value<T>(_ name: String, expected: String, _ parse: (String) -> T?) throws(InvalidValue) -> T? {
        guard let raw = string(name) else { return nil }
        guard let value = parse(raw) else { throw InvalidValue(name: name, value: raw, expected: expected) }
        return value
    }

    /// An integer in `range`.
    public func integer(_ name: String, in range: ClosedRange<Int> = 1...Int.max) throws(InvalidValue) -> Int? {
        try value(name, expected: Self.describe(range, "an integer")) { Int($0).flatMap { range.contains($0) ? $0 : nil } }
    }

    /// A number of seconds, positive.
    public func seconds(_ name: String) throws(InvalidValue) -> Double? {
        try value(name, expected: "a positive number of seconds") { Double($0).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } }
    }

    /// A log level (`trace` … `critical`).
    public func logLevel(_ name: String) throws(InvalidValue) -> Logger.Level? {
        try value(name, expected: "one of " + Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")) {
            Logger.Level(rawValue: $0.lowercased())
        }
    }

    private static func describe(_ range: ClosedRange<Int>, _ what: String) -> String {
        range.upperBound == Int.max ? "\(what) of at least \(range.lowerBound)" : "\(what) in \(range.lowerBound)...\(range.upperBound)"
    }
}
