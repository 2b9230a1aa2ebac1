import Foundation
import Segmentation
@testable import Sweep
import Testing

/// `StoreAddress.openReadOnly()`, what `serve` reads through, on every store: it reads what a writer
/// writes, and the database itself refuses its writes.
@Suite("Read-only stores")
struct ReadOnlyStoreTests {
    @Test("a store opened read-only reads the writer's rows as they come and every write of its own is refused",
          arguments: StoreBackend.allCases)
    func readsAndRefuses(_ backend: StoreBackend) throws {
        let (writer, address) = try backend.makeAddressedStore()
        let spec = try SpecParser.parse(StoreConformanceTests.spec, file: "conform.yaml")
        try writer.register(spec, text: StoreConformanceTests.spec)
        let reader = try address.openReadOnly()
        #expect(reader.id == writer.id)
        #expect(try reader.sweeps().map(\.name) == ["conform"])
        #expect(try reader.jobSummaries(JobFilter(sweep: "conform")).count == 9)

        let job = try #require(try writer.claim(sweep: "conform", worker: JobWorker(name: "writer")))
        try writer.record(job.claim, steps: [StoreConformanceTests.step(0)], evaluations: [StoreConformanceTests.evaluation(1, miou: 0.5)],
                          status: .done)
        let done = try reader.jobSummaries(JobFilter(sweep: "conform", status: .done))
        #expect(done.map(\.steps) == [1] && done.map(\.miou) == [0.5])

        let other = try SpecParser.parse("name: other\naux_weights: [0.0]\nseeds: 1\n", file: "other.yaml")
        #expect(throws: (any Error).self) { try reader.register(other, text: "name: other") }
        #expect(throws: (any Error).self) { try reader.claim(sweep: "conform", worker: JobWorker(name: "reader")) }
        #expect(try writer.sweeps().map(\.name) == ["conform"])
        #expect(try writer.jobSummaries(JobFilter(sweep: "conform", status: .running)).isEmpty)
    }

    @Test("a missing SQLite file is an error, and is not created")
    func missingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("auxsweep-none-\(UUID().uuidString).sqlite").path
        #expect(throws: StoreError.missingDatabase(path)) { try StoreAddress.sqlite(path: path).openReadOnly() }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
