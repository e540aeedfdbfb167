import Testing
@testable import NetGPTCore

@Test func moduleLinks() { #expect(Bool(true)) }
