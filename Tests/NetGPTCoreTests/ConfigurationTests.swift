import Foundation
import Testing
@testable import NetGPTCore

@Suite struct ConfigurationTests {
    @Test func defaultsWorkInACheckout() throws {
        let configuration = try ConfigurationSource(file: nil, environment: [:]).load()
        #expect(configuration.stateDirectory == "./var")
        #expect(configuration.databasePath == "./var/netgpt.sqlite")
        #expect(configuration.http.listen == ListenAddress(host: "127.0.0.1", port: 9470))
        #expect(configuration.http.writeToken == nil)
        #expect(configuration.retention.maximumAge == .seconds(30 * 86_400))
        #expect(configuration.policiesDirectory == "./policies")
    }

    @Test func fileThenEnvironmentThenFlags() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let file = try dir.write("netgptd.yaml", """
            # a comment
            state_dir: /srv/netgpt
            policies_dir: /etc/netgpt/policies
            log_level: debug
            http:
              listen: 0.0.0.0:8000
              write_token: from-file
              max_body_bytes: 8MiB
            ingest:
              queue_batches: 8
              string_fields: reject
              summary_interval: 5m
            retention:
              max_age: 7d
              interval: 90s
              batch_size: 100
            collector:
              enabled: false
              interfaces: [eth0, eth1]
            """)
        var configuration = try ConfigurationSource(file: file, environment: [:]).load()
        #expect(configuration.stateDirectory == "/srv/netgpt")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.http.listen == ListenAddress(host: "0.0.0.0", port: 8000))
        #expect(configuration.http.writeToken == "from-file")
        #expect(configuration.http.maximumBodyBytes == 8 << 20)
        #expect(configuration.ingest.queueBatches == 8)
        #expect(configuration.ingest.stringFields == .reject)
        #expect(configuration.ingest.summaryInterval == .seconds(300))
        #expect(configuration.retention.maximumAge == .seconds(7 * 86_400))
        #expect(configuration.retention.interval == .seconds(90))
        #expect(configuration.collector.enabled == false)
        #expect(configuration.collector.interfaces == ["eth0", "eth1"])

        configuration = try ConfigurationSource(
            file: file,
            environment: ["NETGPT_WRITE_TOKEN": "from-env", "NETGPT_LISTEN": "127.0.0.1:9000", "STATE_DIRECTORY": "/var/lib/netgpt"],
            overrides: ConfigurationOverrides(stateDirectory: "/flag", listen: "[::1]:9100")).load()
        #expect(configuration.http.writeToken == "from-env")
        #expect(configuration.http.listen == ListenAddress(host: "::1", port: 9100))
        #expect(configuration.http.listen.description == "[::1]:9100")
        #expect(configuration.stateDirectory == "/flag")
        #expect(configuration.databasePath == "/flag/netgpt.sqlite")
    }

    @Test func systemdStateDirectoryIsTheDefault() throws {
        let configuration = try ConfigurationSource(file: nil, environment: ["STATE_DIRECTORY": "/var/lib/netgpt"]).load()
        #expect(configuration.databasePath == "/var/lib/netgpt/netgpt.sqlite")
    }

    @Test(arguments: [
        ("listen: 1.2.3.4:80\n", 1, "unknown setting"),
        ("http:\n  listen: nowhere\n", 2, "is not HOST:PORT"),
        ("retention:\n  max_age: forever\n", 2, "is not a duration"),
        ("ingest:\n  queue_batches: -1\n", 2, "positive integer"),
        ("http:\n  max_body_bytes: 12 parsecs\n", 2, "is not a size"),
        ("collector:\n  enabled: maybe\n", 2, "expected true or false"),
        ("collector:\n  interfaces: eth0\n", 2, "expected a list"),
        ("ingest:\n  string_fields: keep\n", 2, "'ignore' or 'reject'"),
        ("log_level: loud\n", 1, "not a log level"),
        ("http: [1, 2]\n", 1, "expected a mapping"),
    ] as [(String, Int, String)])
    func invalidFilesNameLineAndKey(text: String, line: Int, message: String) throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let file = try dir.write("bad.yaml", text)
        let error = try #require(throws: ConfigurationError.self) { try ConfigurationSource(file: file, environment: [:]).load() }
        #expect(error.line == line, "\(error)")
        #expect(error.description.contains(message), "\(error)")
        #expect(error.description.hasPrefix(file))
    }

    @Test func brokenYAMLAndMissingFilesAreErrors() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let broken = try dir.write("broken.yaml", "http:\n  listen: [unclosed\n")
        #expect(throws: ConfigurationError.self) { try ConfigurationSource(file: broken, environment: [:]).load() }
        #expect(throws: ConfigurationError.self) { try ConfigurationSource(file: dir.file("absent.yaml"), environment: [:]).load() }
        #expect(throws: ConfigurationError.self) {
            try ConfigurationSource(file: nil, environment: [:], overrides: ConfigurationOverrides(listen: "9470")).load()
        }
    }

    @Test func tokenFileIsReadAndTrimmed() throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let token = try dir.write("token", "  abc123\n")
        let file = try dir.write("netgptd.yaml", "http:\n  write_token_file: \(token)\n")
        #expect(try ConfigurationSource(file: file, environment: [:]).load().http.writeToken == "abc123")
        let missing = try dir.write("missing.yaml", "http:\n  write_token_file: \(dir.file("nope"))\n")
        #expect(throws: ConfigurationError.self) { try ConfigurationSource(file: missing, environment: [:]).load() }
    }

    @Test func sizesAndDurations() {
        #expect(ConfigurationFile.parseSize("512") == 512)
        #expect(ConfigurationFile.parseSize("64KiB") == 65_536)
        #expect(ConfigurationFile.parseSize("2 MB") == 2_000_000)
        #expect(ConfigurationFile.parseSize("x") == nil)
        #expect(ConfigurationFile.parseDuration("500ms") == .milliseconds(500))
        #expect(ConfigurationFile.parseDuration("2h") == .seconds(7_200))
        #expect(ConfigurationFile.parseDuration("15") == .seconds(15))
        #expect(ConfigurationFile.parseDuration("-1s") == nil)
        #expect(ListenAddress(parsing: ":9470") == ListenAddress(host: "0.0.0.0", port: 9470))
        #expect(ListenAddress(parsing: "127.0.0.1:70000") == nil)
        #expect(ListenAddress(host: "127.0.0.2").isLoopback)
        #expect(!ListenAddress(host: "0.0.0.0").isLoopback)
    }
}
