import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Segmentation
import Sweep
import Testing

/// The report of a small fixed database, exactly, and its plots.
@Suite("Ablation report")
struct ReportTests {
    /// Three weights x three seeds with made-up final mIoUs; one job failed, one unfinished; one job
    /// (w = 0.4, seed 1) peaked at its first evaluation.
    static func database() throws -> SQLiteStore {
        let store = try SQLiteStore(path: try SweepRunnerTests.temporaryDatabase().path)
        let spec = try SpecParser.parse("name: fixed\naux_weights: [0.0, 0.4, 1.0]\nseeds: 3\n", file: "fixed.yaml")
        try store.register(spec, text: "")
        let miou: [Double: [Double?]] = [0.0: [0.50, 0.52, 0.47], 0.4: [0.55, 0.56, 0.50], 1.0: [0.53, nil, 0.48]]
        while let job = try store.claim(sweep: "fixed", worker: JobWorker(name: "t")) {
            guard let value = miou[job.auxWeight]?[Int(job.seed)] else {
                try store.record(job.claim, steps: [], evaluations: [], status: .failed, error: "loss is NaN at iteration 7")
                continue
            }
            let steps = (0..<4).map { StepRecord(iteration: $0, lr: 0.01, mainLoss: 1 - 0.1 * Float($0), auxLoss: 1.2 - 0.1 * Float($0), totalLoss: 1) }
            let peaked = job.auxWeight == 0.4 && job.seed == 1
            let evals = [EvaluationRecord(iteration: 2, miou: peaked ? value + 0.03 : value - 0.1, pixelAccuracy: 0.8, classIoU: [0.9, nil]),
                         EvaluationRecord(iteration: 4, miou: value, pixelAccuracy: 0.9, classIoU: [0.95, 0.2])]
            // Seed 2 of w = 1.0 is left running with its first evaluation only: unfinished.
            let unfinished = job.auxWeight == 1.0 && job.seed == 2
            try store.record(job.claim, steps: steps, evaluations: unfinished ? [evals[0]] : evals, status: unfinished ? .running : .done)
        }
        return store
    }

    @Test("the table, exactly")
    func golden() throws {
        let report = try Self.database().ablationReport(sweep: "fixed")
        let expected = """
            Sweep fixed: final validation mIoU per aux weight over seeds (paired differences over shared seeds; P(best) by bootstrap over seeds; * = best; gap = the best minus this weight, or for the best minus w = 0)
            aux w  n  mIoU mean     std  95% CI            pixel acc  vs w=0 (paired)  95% CI               p (t)  p (perm)  P(best)  decide vs      gap  gap std  seeds to decide  not done
            -----  -  ---------  ------  ----------------  ---------  ---------------  ------------------  ------  --------  -------  ---------  -------  -------  ---------------  ----------------------------------
            0.0    3     0.4967  0.0252  [0.4342, 0.5592]     0.9000       (baseline)  -                        -         -    0.000  best       +0.0400   0.0100                3
            0.4 *  3     0.5367  0.0321  [0.4568, 0.6165]     0.9000          +0.0400  [+0.0152, +0.0648]  0.0202    0.2500    1.000  w=0        +0.0400   0.0100                3
            1.0    1     0.5300       -  -                    0.9000          +0.0300  -                        -    1.0000    0.000  -                -        -                -  failed seeds 1; unfinished seeds 2

            Best: w = 0.4; not significantly worse (paired t-test against it, alpha 0.05): 1.0.
            Seeds to decide (paired t-test, alpha 0.05, power 0.8; now 3 for the best): 1.0: fewer than two seeds shared with the best; the best from w = 0: about 3 seeds per weight.
            Not in the means (failed or unfinished): seeds 1-2 of w = 1.0.
            PSPNet (ADE20K, ResNet50) found 0.4 best (+1.41 mIoU over no aux loss); this sweep: best w = 0.4, gain over w=0 = +4.00 [+1.52, +6.48] mIoU, tied (p >= 0.05): {1.0}
            """
        #expect(report.rendered(.table) == expected)
    }

    @Test("what the means leave out is grouped: the same seeds of every weight in one phrase, seeds as ranges")
    func missingGrouped() throws {
        #expect(NumberText.seeds([11, 10, 1, 2, 3, 5]) == "1-3, 5, 10-11")
        #expect(NumberText.seeds([7]) == "7")
        let store = try SQLiteStore(path: try SweepRunnerTests.temporaryDatabase().path)
        try store.register(try SpecParser.parse("name: grouped\naux_weights: [0.0, 0.5]\nseeds: 5\n", file: "grouped.yaml"), text: "")
        // Seeds 0 and 1 done; the others claimed and left running, as in the middle of a round.
        while let job = try store.claim(sweep: "grouped", worker: JobWorker(name: "t")) {
            guard job.seed < 2 else { continue }
            try store.record(job.claim, steps: [], evaluations: [EvaluationRecord(iteration: 1, miou: 0.5 + job.auxWeight / 10 + Double(job.seed) / 100,
                                                                                    pixelAccuracy: 0.9, classIoU: [0.5])], status: .done)
        }
        let report = try store.ablationReport(sweep: "grouped")
        #expect(report.summaryLines.contains("Not in the means (failed or unfinished): seeds 2-4 of every weight."), "\(report.summaryLines)")
        #expect(report.tableCells.map { $0.last } == ["unfinished seeds 2-4", "unfinished seeds 2-4"])
    }

    @Test("when w = 0 is best the verdict says so without a gain")
    func zeroBest() throws {
        let store = try SQLiteStore(path: try SweepRunnerTests.temporaryDatabase().path)
        try store.register(try SpecParser.parse("name: zero\naux_weights: [0.0, 0.5]\nseeds: 2\n", file: "zero.yaml"), text: "")
        while let job = try store.claim(sweep: "zero", worker: JobWorker(name: "t")) {
            let miou = (job.auxWeight == 0 ? 0.6 : 0.5) + 0.01 * Double(job.seed)
            try store.record(job.claim, steps: [],
                             evaluations: [EvaluationRecord(iteration: 4, miou: miou, pixelAccuracy: 0.9, classIoU: [0.9])],
                             status: .done)
        }
        let verdict = try store.ablationReport(sweep: "zero").verdict
        // Every seed of w = 0.5 is 0.1 below w = 0 (paired): significantly worse, so nothing is tied.
        #expect(verdict.hasSuffix("this sweep: best w = 0.0, no gain over w=0 (w = 0 is best), tied (p >= 0.05): {none}"),
                "\(verdict)")
    }

    @Test("JSON holds the documented keys; CSV one row per weight; best of each job with --at best")
    func formats() throws {
        let store = try Self.database()
        let report = try store.ablationReport(sweep: "fixed")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.rendered(.json).utf8)) as? [String: Any])
        #expect(json["sweep"] as? String == "fixed" && json["metric"] as? String == "miou")
        let weights = try #require(json["weights"] as? [[String: Any]])
        #expect(weights.count == 3)
        for key in ["aux_weight", "n", "mean", "std", "ci95", "delta_vs_zero", "p_best"] { #expect(weights[1][key] != nil, "\(key)") }
        let delta = try #require(weights[1]["delta_vs_zero"] as? [String: Any])
        for key in ["mean", "ci95", "p"] { #expect(delta[key] != nil, "\(key)") }
        let best = try #require(json["best"] as? [String: Any])
        #expect(best["aux_weight"] as? Double == 0.4 && (best["tied"] as? [Double]) == [1.0])
        #expect(report.rendered(.csv).split(separator: "\n").count == 4)
        #expect(report.rendered(.markdown).contains("| 0.4 * | 3 | 0.5367 |"))
        // Markdown: every line under the table its own paragraph, so that it pastes into a README as printed.
        #expect(report.summaryLines.count >= 2)
        #expect(report.rendered(.markdown).hasSuffix("|\n\n" + report.summaryLines.joined(separator: "\n\n")))
        #expect(report.rendered(.table).hasSuffix("\n\n" + report.summaryLines.joined(separator: "\n")))
        // --at best takes each job's highest evaluation: w = 0.4's seed 1 peaked at 0.59 before ending at 0.56.
        let atFinal = report.rows.map { $0.summary?.mean }
        let atBest = try store.ablationReport(sweep: "fixed", point: .best).rows.map { $0.summary?.mean }
        #expect(atBest[0] == atFinal[0] && atBest[2] == atFinal[2])
        let peakedMean: Double = (0.55 + 0.59 + 0.50) / 3, finalMean: Double = (0.55 + 0.56 + 0.50) / 3
        let best1 = try #require(atBest[1]), final1 = try #require(atFinal[1])
        #expect(abs(best1 - peakedMean) < 1e-12 && abs(final1 - finalMean) < 1e-12)
    }

    @Test("the SVGs parse as XML; the ablation plot has one point per weight and one dot per done job")
    func plots() throws {
        let store = try Self.database()
        let report = try store.ablationReport(sweep: "fixed")
        let ablation = report.ablationSVG()
        let curves = try store.trainingCurves(sweep: "fixed").svg()
        let job = try #require(try store.reportData(sweep: "fixed").jobs.first?.id)
        let jobCurves = JobCurves(title: "fixed <w = 0>", steps: try store.steps(job: job), evaluations: try store.evaluations(job: job)).svg()
        for svg in [ablation, curves, jobCurves] {
            let parser = XMLParser(data: Data(svg.utf8))
            #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        }
        #expect(ablation.components(separatedBy: "class=\"point\"").count - 1 == 3)
        #expect(ablation.components(separatedBy: "class=\"seed\"").count - 1 == report.rows.reduce(0) { $0 + $1.miou.count })
        #expect(jobCurves.contains("fixed &lt;w = 0&gt;") && jobCurves.contains(">total<") && jobCurves.contains(">aux<"))
        #expect(jobCurves.components(separatedBy: "class=\"eval\"").count - 1 == (try store.evaluations(job: job)).count)
        #expect(ablation.contains("aux loss weight w") && ablation.contains("w = 0 baseline"))
        // w = 1.0 has one done seed, the others three: the legend gives the range, not the largest.
        #expect(ablation.contains("mean ± 95% CI (1-3 seeds)"))
        #expect(curves.contains("main loss") && curves.contains("auxiliary loss") && curves.contains("validation mIoU"))
    }
}
