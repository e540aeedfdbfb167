import Foundation
import Yams

/// A YAML node with the file it came from, for typed reads that fail with file, line and reason.
struct YAMLValue {
    let node: Node
    let file: String
    /// Where the node sits in the document, e.g. `spec.rules[2].when`.
    let path: String

    var line: Int? { node.mark?.line }

    func error(_ message: String, code: PolicyLoadError.Code = .schema) -> PolicyLoadError {
        PolicyLoadError(code: code, file: file, line: line, message: "\(path): \(message)")
    }

    private var kindName: String {
        switch node {
        case .scalar: return "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// A mapping whose keys must all be in `allowed`; unknown keys are errors (typos must not be
    /// silently ignored in a policy).
    func mapping(allowed: [String]) throws -> YAMLMap {
        guard case let .mapping(map) = node else { throw error("expected a mapping, found \(kindName)") }
        var entries: [(String, YAMLValue)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in map {
            guard case let .scalar(scalar) = keyNode else {
                throw error("mapping keys must be plain strings")
            }
            let key = scalar.string
            let child = YAMLValue(node: valueNode, file: file, path: path.isEmpty ? key : "\(path).\(key)")
            guard allowed.contains(key) else {
                let hint = closest(key, among: allowed).map { "; did you mean '\($0)'?" } ?? " (allowed: \(allowed.joined(separator: ", ")))"
                throw YAMLValue(node: keyNode, file: file, path: path).error("unknown key '\(key)'\(hint)")
            }
            guard seen.insert(key).inserted else {
                throw YAMLValue(node: keyNode, file: file, path: path).error("key '\(key)' appears twice", code: .duplicate)
            }
            entries.append((key, child))
        }
        return YAMLMap(owner: self, entries: entries)
    }

    /// A mapping with arbitrary string keys (labels, topology kinds, parameter names), in order.
    func freeMapping() throws -> [(key: String, keyLine: Int?, value: YAMLValue)] {
        guard case let .mapping(map) = node else { throw error("expected a mapping, found \(kindName)") }
        var result: [(key: String, keyLine: Int?, value: YAMLValue)] = []
        var seen: Set<String> = []
        for (keyNode, valueNode) in map {
            guard case let .scalar(scalar) = keyNode else { throw error("mapping keys must be plain strings") }
            guard seen.insert(scalar.string).inserted else {
                throw YAMLValue(node: keyNode, file: file, path: path).error("key '\(scalar.string)' appears twice", code: .duplicate)
            }
            result.append((scalar.string, keyNode.mark?.line,
                           YAMLValue(node: valueNode, file: file, path: "\(path).\(scalar.string)")))
        }
        return result
    }

    func list() throws -> [YAMLValue] {
        guard case let .sequence(seq) = node else { throw error("expected a list, found \(kindName)") }
        return seq.enumerated().map { YAMLValue(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    var isScalar: Bool { if case .scalar = node { return true } else { return false } }
    var isNull: Bool { if case let .scalar(s) = node { return s.tag == .implicit && s.string.isEmpty || node.null != nil } else { return false } }

    func string() throws -> String {
        guard case let .scalar(scalar) = node else { throw error("expected a string, found \(kindName)") }
        return scalar.string
    }

    /// A non-empty string.
    func nonEmptyString() throws -> String {
        let value = try string()
        guard !value.isEmpty else { throw error("must not be empty") }
        return value
    }

    /// A name: lowercase letters, digits, `_` and `-`, starting with a letter, at most 63 characters.
    func name() throws -> String {
        let value = try string()
        guard PolicyName.isValid(value) else {
            throw error("'\(value)' is not a valid name: use lowercase letters, digits, '_' and '-', starting with a letter (at most 63 characters)")
        }
        return value
    }

    func int() throws -> Int {
        guard isScalar, let value = node.int else { throw error("expected an integer, found '\((try? string()) ?? kindName)'") }
        return value
    }

    func double() throws -> Double {
        guard isScalar, let value = node.float ?? node.int.map(Double.init), value.isFinite else {
            throw error("expected a number, found '\((try? string()) ?? kindName)'")
        }
        return value
    }

    func bool() throws -> Bool {
        guard isScalar, let value = node.bool else { throw error("expected true or false, found '\((try? string()) ?? kindName)'") }
        return value
    }

    /// A duration such as `30s`, `10m`, `1h30m`, `500ms`, `1d`, in milliseconds.
    func duration() throws -> Int64 {
        let text = try string()
        guard let ms = PolicyDuration.milliseconds(text), ms > 0 else {
            throw error("'\(text)' is not a duration: write e.g. 500ms, 30s, 10m, 1h30m or 1d")
        }
        return ms
    }

    /// One string or a list of strings.
    func stringList() throws -> [String] {
        if case .sequence = node { return try list().map { try $0.nonEmptyString() } }
        return [try nonEmptyString()]
    }
}

/// The entries of a checked mapping, looked up by key.
struct YAMLMap {
    let owner: YAMLValue
    let entries: [(String, YAMLValue)]

    subscript(key: String) -> YAMLValue? { entries.first { $0.0 == key }?.1 }

    func required(_ key: String) throws -> YAMLValue {
        guard let value = self[key] else { throw owner.error("missing required key '\(key)'") }
        return value
    }
}

/// Names of policies, rules, action types, parameters and conflict groups.
enum PolicyName {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.unicodeScalars.count <= 63,
              ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }
}

/// Durations written as `500ms`, `30s`, `10m`, `1h30m`, `2d`.
public enum PolicyDuration {
    /// Milliseconds for a duration text, or nil when it is not one.
    public static func milliseconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64? = nil
        var chars = Array(text.trimmingCharacters(in: .whitespaces))
        guard !chars.isEmpty else { return nil }
        var i = 0
        var sawUnit = false
        while i < chars.count {
            let c = chars[i]
            if let digit = c.wholeNumberValue, c.isASCII {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int64(digit))
                guard !o1, !o2 else { return nil }
                number = s
                i += 1
                continue
            }
            guard let n = number else { return nil }
            let unit: Int64
            if c == "m", i + 1 < chars.count, chars[i + 1] == "s" { unit = 1; i += 2 }
            else {
                switch c {
                case "s": unit = 1_000
                case "m": unit = 60_000
                case "h": unit = 3_600_000
                case "d": unit = 86_400_000
                default: return nil
                }
                i += 1
            }
            let (p, o) = n.multipliedReportingOverflow(by: unit)
            guard !o else { return nil }
            total += p
            number = nil
            sawUnit = true
        }
        chars.removeAll()
        guard number == nil, sawUnit else { return nil }
        return total
    }

    /// A compact text for milliseconds, e.g. `1h30m`, `45s`, `250ms`.
    public static func text(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where s >= size {
            out += "\(s / size)\(unit)"
            s %= size
        }
        return out
    }
}

/// The allowed key closest to a typo (edit distance ≤ 2).
func closest(_ word: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
    let a = Array(word)
    let best = candidates.map { ($0, distance(a, Array($0))) }.min { $0.1 < $1.1 }
    return best.flatMap { $0.1 <= 2 ? $0.0 : nil }
}
