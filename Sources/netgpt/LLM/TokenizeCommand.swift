import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt tokenize --model PATH TEXT`: the token ids of TEXT under the model's tokenizer, as JSON.
struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Tokenize text with a GGUF model's tokenizer and print the token ids as JSON.",
        discussion: """
            Tokenizes exactly as llama.cpp does: special-token text such as <|im_start|> becomes its \
            token, and BOS/EOS are added when the model's metadata asks for it (SmolLM2 adds none).
            Prints a JSON array of ids, or with --pieces an object with ids and each token's text. \
            With --jsonl, each input line is a JSON string and each output line its ids.
            """
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "Read the text from this file ('-' for standard input) instead of the argument.")
    var file: String?

    @Flag(name: .long, help: "Do not add BOS/EOS tokens even when the model asks for them.")
    var noAddSpecial = false

    @Flag(name: .long, help: "Tokenize special-token text (<|im_start|> …) as plain text.")
    var noParseSpecial = false

    @Flag(name: .long, help: "Also print each token's text.")
    var pieces = false

    @Flag(name: .long, help: "Batch mode: every input line is a JSON string; print one line of ids for each.")
    var jsonl = false

    @Argument(help: "The text to tokenize.")
    var text: String?

    func validate() throws {
        if (text == nil) == (file == nil) { throw ValidationError("give the text as an argument or with --file (not both)") }
    }

    func run() async throws {
        let input: String
        if let file {
            let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
            input = String(decoding: data, as: UTF8.self)
        } else {
            input = text ?? ""
        }
        let tokenizer = try Tokenizer(metadata: GGUFFile(path: model).metadata)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        if jsonl {
            for (number, line) in input.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
                guard let text = try? JSONDecoder().decode(String.self, from: Data(line.utf8)) else {
                    throw ValidationError("line \(number + 1): not a JSON string")
                }
                let ids = tokenizer.encode(text, addSpecial: !noAddSpecial, parseSpecial: !noParseSpecial)
                print(String(decoding: try encoder.encode(ids), as: UTF8.self))
            }
            return
        }
        let ids = tokenizer.encode(input, addSpecial: !noAddSpecial, parseSpecial: !noParseSpecial)
        let output: Data
        if pieces {
            struct WithPieces: Encodable { var ids: [Int32]; var pieces: [String] }
            output = try encoder.encode(WithPieces(ids: ids, pieces: ids.map { String(decoding: tokenizer.tokenBytes($0), as: UTF8.self) }))
        } else {
            output = try encoder.encode(ids)
        }
        print(String(decoding: output, as: UTF8.self))
    }
}
