import Testing
@testable import EdgeLLM

/// Random and mutated byte strings never crash the reader: they parse or throw a `GGUFError`.
@Suite struct GGUFFuzzTests {
    @Test func randomBytesNeverCrash() {
        var rng = TestRNG(seed: 1)
        for i in 0..<2000 {
            var bytes = rng.bytes(Int.random(in: 0...200, using: &rng))
            if i % 2 == 0, bytes.count >= 8 { // a valid prefix makes the parser go deeper
                bytes.replaceSubrange(0..<8, with: [0x47, 0x47, 0x55, 0x46, 3, 0, 0, 0])
            }
            do { _ = try GGUFFile(bytes: bytes) } catch is GGUFError {} catch { Issue.record("unexpected \(error)") }
        }
    }

    @Test func mutatedFilesNeverCrash() throws {
        let image = try GGUFReaderTests.sampleWriter().serialized()
        var rng = TestRNG(seed: 2)
        var parsed = 0
        for _ in 0..<3000 {
            var bytes = image
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = UInt8.random(in: 0...255, using: &rng)
                case 1: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                case 2: bytes[at] = [0, 0xFF, 0x7F, 0x80][Int.random(in: 0..<4, using: &rng)]
                default: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &rng)))
                }
            }
            do {
                let file = try GGUFFile(bytes: bytes)
                for t in file.tensors { _ = file.data(of: t).reduce(0) { $0 &+ Int($1) } }
                parsed += 1
            } catch is GGUFError {} catch { Issue.record("unexpected \(error)") }
        }
        #expect(parsed > 0 && parsed < 3000)
    }
}
