import Foundation
import Testing
@testable import NetGPTPolicy

/// A minimal valid policy; `rules` and `extraActions` are spliced in.
func policyYAML(name: String = "cells", mode: String = "enforce", rules: String, extraActions: String = "", conflicts: String = "") -> String {
    """
    apiVersion: netgpt/v1
    kind: Policy
    metadata:
      name: \(name)
    spec:
      mode: \(mode)
      actions:
        scale_out:
          target: "cell:{cell}"
          parameters:
            cell: {type: string, topology: cell}
            replicas: {type: integer, minimum: 1, maximum: 8, default: 2}
          executor: log
    \(extraActions)
    \(conflicts)
      rules:
    \(rules)
    """
}

let congestionRule = """
        - name: congestion
          when:
            prediction:
              selector: 'prb_utilization_pct{site="edge-1"}'
              horizon: 6
              threshold: {op: gt, value: 85}
              for: 3
          then:
            action: scale_out
            params: {cell: "{labels.cell}"}
    """

@Suite struct PolicyLoaderTests {
    @Test func loadsAValidDirectory() throws {
        let set = try loadPolicies([("00-topology.yaml", testTopology), ("cells.yaml", policyYAML(rules: congestionRule))])
        #expect(set.documents.map(\.name) == ["cells"])
        #expect(set.ruleCount == 1)
        #expect(set.topology.contains(kind: "cell", id: "102"))
        #expect(set.digest.count == 16)
        guard case let .prediction(trigger) = set.documents[0].rules[0].trigger else { Issue.record("expected a prediction trigger"); return }
        #expect(trigger.selector.metric == "prb_utilization_pct")
        #expect(trigger.horizon == 1...6)
        #expect(trigger.consecutive == 3)
        #expect(trigger.op == .gt && trigger.threshold == 85)
    }

    @Test func missingDirectoryIsEmptyAndEmptyDigestDiffers() throws {
        let set = try PolicyLoader.load(directory: "/nonexistent/netgpt-policies")
        #expect(set.ruleCount == 0)
        let a = try loadPolicies([("t.yaml", testTopology), ("cells.yaml", policyYAML(rules: congestionRule))])
        let b = try loadPolicies([("t.yaml", testTopology), ("cells.yaml", policyYAML(rules: congestionRule) + "\n# changed\n")])
        #expect(a.digest != b.digest)
    }

    @Test func yamlSyntaxErrorHasFileAndLine() throws {
        let error = try #require(loadError([("t.yaml", testTopology), ("bad.yaml", "apiVersion: netgpt/v1\nkind: Policy\nmetadata:\n  name: [unclosed\n")]))
        #expect(error.code == .syntax)
        #expect(error.file.hasSuffix("bad.yaml"))
        #expect(error.line != nil)
    }

    @Test func unknownKeyIsRejectedWithLineAndSuggestion() throws {
        let text = policyYAML(rules: congestionRule.replacingOccurrences(of: "threshold:", with: "treshold:"))
        let error = try #require(loadError([("t.yaml", testTopology), ("cells.yaml", text)]))
        #expect(error.message.contains("unknown key 'treshold'"))
        #expect(error.message.contains("did you mean 'threshold'"))
        let expectedLine = text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("treshold") }! + 1
        #expect(error.line == expectedLine)
    }

    @Test func oneBadFileRejectsTheWholeDirectory() throws {
        let good = policyYAML(name: "good", rules: congestionRule)
        let bad = policyYAML(name: "bad", rules: congestionRule.replacingOccurrences(of: "op: gt", with: "op: greater"))
        let error = try #require(loadError([("a.yaml", good), ("b.yaml", bad), ("t.yaml", testTopology)]))
        #expect(error.file.hasSuffix("b.yaml"))
        #expect(error.message.contains("op must be one of gt, ge, lt, le"))
    }

    @Test(arguments: [
        // (what to replace, replacement, expected message fragment)
        ("action: scale_out", "action: scale_up", "action 'scale_up' is not declared"),
        ("{labels.cell}", "{intent.target.id}", "is not available to a prediction rule"),
        ("for: 3", "for: 9", "can never hold within a horizon of 6"),
        ("horizon: 6", "horizon: 0", "horizon must be at least 1"),
        ("prb_utilization_pct{site=\"edge-1\"}", "prb_utilization_pct{site=edge-1}", "expected a double-quoted value"),
        ("params: {cell: \"{labels.cell}\"}", "params: {cell: \"{labels.cell}\", replicas: 20}", "above the maximum 8"),
        ("params: {cell: \"{labels.cell}\"}", "params: {cell: \"999\"}", "is not a known cell"),
        ("params: {cell: \"{labels.cell}\"}", "params: {}", "needs parameter 'cell'"),
        ("params: {cell: \"{labels.cell}\"}", "params: {cell: \"{labels.cell}\", zone: a}", "'zone' is not a parameter"),
        ("- name: congestion", "- name: Congestion!", "is not a valid name"),
    ])
    func invalidRulesAreRejected(_ find: String, _ replace: String, _ fragment: String) throws {
        let text = policyYAML(rules: congestionRule.replacingOccurrences(of: find, with: replace))
        let error = try #require(loadError([("t.yaml", testTopology), ("cells.yaml", text)]), "expected \(fragment)")
        #expect(error.message.contains(fragment), "\(error)")
        #expect(error.line != nil)
    }

    @Test func execArgvMustUseWholeElementPlaceholdersAndAnAbsoluteProgram() throws {
        func exec(_ argv: String) -> String {
            policyYAML(rules: congestionRule.replacingOccurrences(of: "scale_out", with: "run"), extraActions: """
                run:
                  parameters:
                    cell: {type: string, topology: cell}
                  executor:
                    exec:
                      argv: \(argv)
            """)
        }
        #expect(loadError([("t.yaml", testTopology), ("c.yaml", exec(#"["/usr/bin/true", "--cell", "{cell}"]"#))]) == nil)
        let mixed = try #require(loadError([("t.yaml", testTopology), ("c.yaml", exec(#"["/usr/bin/true", "--cell={cell}"]"#))]))
        #expect(mixed.message.contains("must be a whole argv element"))
        let relative = try #require(loadError([("t.yaml", testTopology), ("c.yaml", exec(#"["sh", "-c", "{cell}"]"#))]))
        #expect(relative.message.contains("argv[0] must be an absolute path"))
        let unknown = try #require(loadError([("t.yaml", testTopology), ("c.yaml", exec(#"["/usr/bin/true", "{nope}"]"#))]))
        #expect(unknown.message.contains("{nope}"))
    }

    @Test func duplicatePolicyNamesAcrossFilesAreRejected() throws {
        let error = try #require(loadError([("a.yaml", policyYAML(rules: congestionRule)), ("b.yaml", policyYAML(rules: congestionRule)), ("t.yaml", testTopology)]))
        #expect(error.code == .duplicate)
        #expect(error.file.hasSuffix("b.yaml"))
        #expect(error.line == 4)
    }

    @Test func topologyKindMustBeDeclared() throws {
        let error = try #require(loadError([("cells.yaml", policyYAML(rules: congestionRule))]))
        #expect(error.message.contains("no topology declares that kind"))
    }

    @Test func conflictGroupMustNameDeclaredActions() throws {
        let text = policyYAML(rules: congestionRule, conflicts: """
              conflicts:
                - {name: scaling, actions: [scale_out, scale_in], window: 15m}
            """)
        let error = try #require(loadError([("t.yaml", testTopology), ("c.yaml", text)]))
        #expect(error.message.contains("'scale_in', which no policy declares"))
    }

    @Test func durationsParse() {
        #expect(PolicyDuration.milliseconds("500ms") == 500)
        #expect(PolicyDuration.milliseconds("1h30m") == 5_400_000)
        #expect(PolicyDuration.milliseconds("2d") == 172_800_000)
        #expect(PolicyDuration.milliseconds("10") == nil)
        #expect(PolicyDuration.milliseconds("5 minutes") == nil)
        #expect(PolicyDuration.text(5_400_000) == "1h30m")
    }

    @Test func selectorsMatchLikePrometheus() throws {
        let s = try LabelSelector.parse(#"load_pct{site="edge-1", cell=~"10[12]", slice!="mmtc", zone!~"x.*"}"#)
        #expect(s.matches(["site": "edge-1", "cell": "101", "slice": "embb"]))
        #expect(!s.matches(["site": "edge-1", "cell": "1010", "slice": "embb"]))   // anchored
        #expect(!s.matches(["site": "edge-1", "cell": "101\n", "slice": "embb"]))  // anchored at the very end
        #expect(!s.matches(["site": "edge-1", "cell": "101", "slice": "mmtc"]))
        #expect(!s.matches(["site": "edge-1", "cell": "102", "zone": "xy"]))
    }
}
