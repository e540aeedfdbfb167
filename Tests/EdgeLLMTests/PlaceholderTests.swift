import Testing
@testable import EdgeLLM

@Test func kernelsLink() { #expect(EdgeLLM.kernelVersion >= 0) }
