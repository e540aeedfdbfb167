import Foundation
import Testing
@testable import NetGPTCore
import NetGPTPolicy
import NetGPTSystemd

/// SIGHUP's reload logic in-process: configuration and policies validated together, swapped
/// atomically, or rejected whole with the old ones kept. (The spawned-daemon signal path is tested
/// with the systemd harness.)
@Suite struct ReloadTests {
    func setUp(_ dir: TemporaryDirectory, yaml: String) throws -> (Reloader, DaemonState, ConfigurationSource) {
        try FileManager.default.createDirectory(atPath: dir.file("policies"), withIntermediateDirectories: true)
        let file = try dir.write("netgptd.yaml", yaml)
        let source = ConfigurationSource(file: file, environment: [:])
        let configuration = try source.load()
        let state = DaemonState(configuration: configuration, policies: try PolicyLoader.load(directory: configuration.policiesDirectory))
        state.phase = .ready
        let reloader = Reloader(source: source, state: state, notifier: SystemdNotifier(environment: [:]), logger: quietLogger)
        return (reloader, state, source)
    }

    @Test func validChangesAreAppliedTogether() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (reloader, state, source) = try setUp(dir, yaml: "policies_dir: \(dir.file("policies"))\nretention:\n  max_age: 1d\n")
        _ = try dir.write("netgptd.yaml", "policies_dir: \(dir.file("policies"))\nretention:\n  max_age: 2d\nhttp:\n  write_token: new\n")
        #expect(await reloader.reload())
        #expect(state.configuration.retention.maximumAge == .seconds(2 * 86_400))
        #expect(state.configuration.http.writeToken == "new")
        #expect(state.reloadCounts.applied == 1)
        #expect(state.lastReload?.applied == true)
        #expect(state.phase == .ready)
        _ = source
    }

    @Test func invalidConfigurationKeepsTheOld() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (reloader, state, _) = try setUp(dir, yaml: "policies_dir: \(dir.file("policies"))\nretention:\n  max_age: 1d\n")
        _ = try dir.write("netgptd.yaml", "policies_dir: \(dir.file("policies"))\nretention:\n  max_age: 2d\n  typo: 1\n")
        #expect(await reloader.reload() == false)
        #expect(state.configuration.retention.maximumAge == .seconds(86_400))
        #expect(state.reloadCounts.rejected == 1)
        let error = try #require(state.lastReload?.error)
        #expect(error.contains("netgptd.yaml:4"))
        #expect(error.contains("retention.typo"))
    }

    @Test func invalidPolicyRejectsTheWholeReload() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (reloader, state, _) = try setUp(dir, yaml: "policies_dir: \(dir.file("policies"))\nretention:\n  max_age: 1d\n")
        // A valid configuration change together with a broken policy file: neither applies.
        _ = try dir.write("netgptd.yaml", "policies_dir: \(dir.file("policies"))\nretention:\n  max_age: 2d\n")
        _ = try dir.write("policies/broken.yaml", "apiVersion: [unclosed\n")
        #expect(await reloader.reload() == false)
        #expect(state.configuration.retention.maximumAge == .seconds(86_400))
        #expect(state.policies.documents.isEmpty)
        #expect(state.lastReload?.error?.contains("broken.yaml") == true)
        // Fixed: the next reload applies.
        try FileManager.default.removeItem(atPath: dir.file("policies/broken.yaml"))
        #expect(await reloader.reload())
        #expect(state.configuration.retention.maximumAge == .seconds(2 * 86_400))
    }

    @Test func restartOnlySettingsKeepTheirRunningValues() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let (reloader, state, _) = try setUp(dir, yaml: "policies_dir: \(dir.file("policies"))\nhttp:\n  listen: 127.0.0.1:9470\n")
        _ = try dir.write("netgptd.yaml", "policies_dir: \(dir.file("policies"))\nhttp:\n  listen: 127.0.0.1:9999\n")
        #expect(await reloader.reload())
        #expect(state.configuration.http.listen.port == 9470)
    }
}
