import Foundation
import Yams

/// A validated set of policy documents, swapped atomically on reload (placeholder shape; the
/// policy-engine issue defines the full document format).
public struct PolicySet: Sendable {
    /// The documents, sorted by file name.
    public var documents: [PolicyDocument]
    /// An empty set: no rules.
    public static let empty = PolicySet(documents: [])
    public init(documents: [PolicyDocument]) { self.documents = documents }
}

/// One policy file.
public struct PolicyDocument: Sendable {
    /// The policy's name (`metadata.name`).
    public var name: String
    /// The file it was read from.
    public var file: String
}

/// Why a policy directory was rejected: the file, the line (when known) and how to fix it.
public struct PolicyLoadError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var message: String
    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// Reads and validates every `*.yaml` in a directory, all or nothing.
public enum PolicyLoader {
    /// Loads the directory; throws on the first invalid file so the caller keeps its old set.
    public static func load(directory: String) throws -> PolicySet {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return .empty }
        var documents: [PolicyDocument] = []
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
            let path = (directory as NSString).appendingPathComponent(name)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let node: Node?
            do { node = try Yams.compose(yaml: text) } catch let error as YamlError {
                throw PolicyLoadError(file: path, line: nil, message: "not valid YAML: \(error)")
            }
            guard let map = node?.mapping, map["apiVersion"]?.string == "netgpt/v1",
                  let policyName = map["metadata"]?.mapping?["name"]?.string else {
                throw PolicyLoadError(file: path, line: nil,
                                      message: "expected 'apiVersion: netgpt/v1' and 'metadata.name'")
            }
            documents.append(PolicyDocument(name: policyName, file: path))
        }
        return PolicySet(documents: documents)
    }
}
