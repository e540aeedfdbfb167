import Foundation
import Yams

/// Reads and validates every `*.yaml` / `*.yml` in a directory, all or nothing.
///
/// Files are read in name order; hidden files (starting with `.`) are skipped. The first invalid
/// file rejects the whole directory with a ``PolicyLoadError`` naming the file, line and reason,
/// so a caller (the daemon on SIGHUP) keeps the set it had.
public enum PolicyLoader {
    /// Loads the directory. A directory that does not exist yields ``PolicySet/empty``.
    public static func load(directory: String) throws -> PolicySet {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDirectory) else { return .empty }
        guard isDirectory.boolValue else {
            throw PolicyLoadError(code: .io, file: directory, line: nil, message: "not a directory; give the directory that holds the *.yaml policy files")
        }
        let names: [String]
        do { names = try fm.contentsOfDirectory(atPath: directory) } catch {
            throw PolicyLoadError(code: .io, file: directory, line: nil, message: "cannot list the directory: \(error.localizedDescription)")
        }
        var sources: [(path: String, text: String)] = []
        for name in names.sorted() where !name.hasPrefix(".") && (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = fm.contents(atPath: path) else {
                throw PolicyLoadError(code: .io, file: path, line: nil, message: "cannot read the file (check that it exists and is readable by netgptd)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw PolicyLoadError(code: .io, file: path, line: nil, message: "the file is not UTF-8 text")
            }
            sources.append((path, text))
        }
        return try load(sources: sources)
    }

    /// Loads policy texts given as (file name, YAML text), e.g. from tests or an API.
    public static func load(sources: [(path: String, text: String)]) throws -> PolicySet {
        var parsed: [ParsedFile] = []
        for source in sources {
            parsed.append(contentsOf: try PolicyParser.parse(file: source.path, text: source.text))
        }
        return try PolicySetBuilder.build(parsed, digest: digest(sources), files: sources.map(\.path))
    }

    /// FNV-1a (64-bit) over the files' names and contents: identifies a rule set in the audit trail.
    static func digest(_ sources: [(path: String, text: String)]) -> String {
        if sources.isEmpty { return "empty" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for source in sources {
            for byte in ((source.path as NSString).lastPathComponent.utf8 + [0] + source.text.utf8 + [0]) {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
