import Foundation

/// Policy files for the daemon tests: the repository's `policies/*.yaml` when there are any (so
/// they are valid under whichever policy loader is built), else one minimal document. One policy
/// document is picked to be renamed, a change every loader accepts.
struct TestPolicies {
    /// File name → contents.
    let files: [(file: String, text: String)]
    /// The file of the policy tests rename, and that policy's `metadata.name`.
    let file: String
    let name: String

    init() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        let directory = url.path + "/policies"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
        var files = try names.map { ($0, try String(contentsOfFile: directory + "/" + $0, encoding: .utf8)) }
        if let (file, name) = files.lazy.compactMap({ file, text in
            text.contains("\nkind: Policy") || !text.contains("\nkind:") ? Self.metadataName(text).map { (file, $0) } : nil
        }).first {
            self.file = file
            self.name = name
        } else {
            files = [("edge.yaml", "apiVersion: netgpt/v1\nkind: Policy\nmetadata:\n  name: edge-test\n")]
            self.file = "edge.yaml"
            self.name = "edge-test"
        }
        self.files = files
    }

    /// The picked file with its policy renamed to `newName`.
    func renamed(to newName: String) -> String {
        let text = self.files.first { $0.file == self.file }!.text
        return text.replacingOccurrences(of: "\nmetadata:\n  name: \(self.name)\n", with: "\nmetadata:\n  name: \(newName)\n")
    }

    /// `metadata.name` written as `metadata:\n  name: NAME`.
    private static func metadataName(_ text: String) -> String? {
        guard let range = text.range(of: "\nmetadata:\n  name: ") else { return nil }
        let rest = text[range.upperBound...]
        let name = rest.prefix { !$0.isNewline && $0 != " " && $0 != "#" }
        return name.isEmpty ? nil : String(name)
    }
}
