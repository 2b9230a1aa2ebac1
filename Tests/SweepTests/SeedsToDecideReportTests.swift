import Foundation
import Segmentation
@testable import Sweep
import TestSupport
import Testing

/// Seeds to decide as the report gives them, against SciPy (`Fixtures/power.json`, `report`), and the
/// plots' round ticks and legends.
@Suite("Seeds to decide in the report; plot axes")
struct SeedsToDecideReportTests {
    struct Fixture: Decodable {
        struct Report: Decodable {
            let weights: [Double]
            let miou: [String: [Double]]
            let best: Double
            /// By weight: a count, or null (the best when it is w = 0).
            let seeds_to_decide: [String: Int?]
        }
        let report: Report
    }

    static let fixture = TestSupport.Fixture.json(Fixture.self, "power.json", target: "SweepTests").report

    /// A store holding the fixture's final mIoU per weight and seed.
    static func store() throws -> SQLiteStore {
        let fixture = Self.fixture
        let store = try SQLiteStore(path: try SweepRunnerTests.temporaryDatabase().path)
        let weights = fixture.weights.map { String($0) }.joined(separator: ", ")
        let seeds = fixture.miou.values.first?.count ?? 0
        try store.register(try SpecParser.parse("name: power\naux_weights: [\(weights)]\nseeds: \(seeds)\n", file: "power.yaml"), text: "")
        while let job = try store.claim(sweep: "power", worker: JobWorker(name: "t")) {
            let miou = try #require(fixture.miou[String(job.auxWeight)]?[Int(job.seed)])
            try store.record(job.claim, steps: [],
                             evaluations: [EvaluationRecord(iteration: 10, miou: miou, pixelAccuracy: 0.9, classIoU: [miou])],
                             status: .done)
        }
        return store
    }

    @Test("weights[].seeds_to_decide in the JSON matches SciPy to the seed: against the best, the best against w = 0")
    func json() throws {
        struct Document: Decodable {
            struct Weight: Decodable {
                struct Decide: Decodable { let versus: Double, n: Int, beyond_cap: Bool }
                let aux_weight: Double, seeds_to_decide: Int?, decide: Decide?
            }
            struct Best: Decodable { let aux_weight: Double, tied: [Double] }
            let weights: [Weight], best: Best, to_decide: String?
        }
        let report = try Self.store().ablationReport(sweep: "power")
        let document = try JSONDecoder().decode(Document.self, from: Data(report.rendered(.json).utf8))
        #expect(document.best.aux_weight == Self.fixture.best)
        for weight in document.weights {
            let expected = try #require(Self.fixture.seeds_to_decide[String(weight.aux_weight)])
            #expect(weight.seeds_to_decide == expected, "w = \(weight.aux_weight)")
            #expect(weight.decide?.versus == (weight.aux_weight == Self.fixture.best ? 0 : Self.fixture.best))
            #expect(weight.decide?.n == 8 && weight.decide?.beyond_cap == false)
        }
        // The summary line names the tied weight hardest to separate, with its count.
        let tied = document.best.tied.compactMap { w -> (Double, Int)? in
            guard let count = Self.fixture.seeds_to_decide[String(w)] ?? nil else { return nil }
            return (w, count)
        }
        let hardest = try #require(tied.max { $0.1 < $1.1 })
        let line = try #require(document.to_decide)
        #expect(line.contains("to separate the best from \(AblationReport.weight(hardest.0)): about \(hardest.1) seeds per weight"), "\(line)")
        let zero = try #require(Self.fixture.seeds_to_decide["0.0"] ?? nil)
        #expect(line.contains("the best from w = 0: about \(zero) seeds per weight"), "\(line)")
        #expect(report.rendered(.table).contains(line))
    }

    @Test("ticks fall on round values with as many decimals as the step")
    func ticks() {
        #expect(AxisTicks(0.539...0.601).values.map(AxisTicks(0.539...0.601).label) == ["0.54", "0.56", "0.58", "0.60"])
        #expect(AxisTicks(0...1).values.map(AxisTicks(0...1).label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(AxisTicks(-0.0123...0.031).values.map(AxisTicks(-0.0123...0.031).label) == ["-0.01", "0.00", "0.01", "0.02", "0.03"])
        #expect(AxisTicks(0...2417).values == [0, 500, 1000, 1500, 2000])
        #expect(AxisTicks(0.7...0.7).values == [0.7])
    }

    @Test("the ablation plot has a paired-difference panel; every legend stands right of its plot area")
    func plots() throws {
        let store = try Self.store()
        let report = try store.ablationReport(sweep: "power")
        let ablation = report.ablationSVG()
        // One difference point per weight but w = 0; filled where p < 0.05.
        #expect(ablation.components(separatedBy: "class=\"delta\"").count - 1 == Self.fixture.weights.count - 1)
        #expect(ablation.contains("paired difference to w = 0"))
        for svg in [ablation, try store.trainingCurves(sweep: "power").svg()] {
            let areas = Self.numbers(in: svg, after: "class=\"plot-area\" x=\"", then: "\" y=\"[^\"]*\" width=\"")
            let rightEdges = areas.map { $0.0 + $0.1 }
            let legends = Self.numbers(in: svg, after: "class=\"legend\" x=\"", then: "\" y=\"").map(\.0)
            #expect(!legends.isEmpty && !rightEdges.isEmpty)
            // Each legend entry starts right of some panel's right edge and left of the next panel.
            for x in legends {
                #expect(rightEdges.contains { x > $0 && x < $0 + 120 }, "legend at x = \(x), plot areas end at \(rightEdges)")
            }
            // Tick labels carry no more decimals than their axis needs (every label of the y axis
            // of a panel has the same number, and none has three or more trailing digits here).
            let ticks = Self.texts(in: svg, cssClass: "tick")
            #expect(!ticks.isEmpty && ticks.allSatisfy { !$0.contains(".") || $0.split(separator: ".")[1].count <= 3 }, "\(ticks)")
        }
    }

    /// Pairs of numbers: the one after `prefix` and the one after the pattern `then` that follows it.
    static func numbers(in text: String, after prefix: String, then: String) -> [(Double, Double)] {
        let pattern = try! NSRegularExpression(pattern: NSRegularExpression.escapedPattern(for: prefix) + "([-0-9.]+)" + then + "([-0-9.]+)")
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            guard let a = Range(m.range(at: 1), in: text), let b = Range(m.range(at: 2), in: text),
                  let x = Double(text[a]), let y = Double(text[b]) else { return nil }
            return (x, y)
        }
    }

    static func texts(in svg: String, cssClass: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "class=\"\(cssClass)\"[^>]*>([^<]*)<")
        return pattern.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)).compactMap { m in
            Range(m.range(at: 1), in: svg).map { String(svg[$0]) }
        }
    }
}
