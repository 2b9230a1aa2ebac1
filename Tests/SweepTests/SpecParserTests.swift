import Segmentation
import Sweep
import Testing

@Suite("Sweep files")
struct SpecParserTests {
    @Test("a full file reads every key; ranges step in exact decimals")
    func full() throws {
        let spec = try SpecParser.parse("""
            name: demo-1
            aux_weights: {from: 0.0, to: 1.0, step: 0.1}
            seeds: [3, 5]
            jobs: 2
            data: {kind: shapes, train_images: 100, val_images: 20, size: 32, seed: 9}
            model: {blocks: [1, 2, 3, 4], residual: [true, true, true, false], dropout: 0.2}
            train: {iterations: 10, batch: 4, base_lr: 0.1, momentum: 0.8, weight_decay: 0.001,
                    poly_power: 1.0, eval_every: 5, checkpoint_every: 5}
            """, file: "demo.yaml")
        #expect(spec.name == "demo-1")
        #expect(spec.auxWeights == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
        #expect(spec.auxWeights[3] == 0.3, "0.3, not 0.30000000000000004")
        #expect(spec.seeds == [3, 5] && spec.jobs == 2)
        #expect(spec.config.data.size == 32 && spec.config.data.seed == 9 && spec.config.data.trainImages == 100)
        #expect(spec.config.model.blocks == [1, 2, 3, 4] && spec.config.model.residual == [true, true, true, false])
        #expect(spec.config.train.iterations == 10 && spec.config.train.batch == 4 && spec.config.train.baseLR == 0.1)
        #expect(spec.checkpointEvery == 5)
    }

    @Test("every key but name has a default; seeds as a count")
    func defaults() throws {
        let spec = try SpecParser.parse("name: x\nseeds: 2\n", file: "x.yaml")
        #expect(spec.seeds == [0, 1])
        #expect(spec.config == TrainConfig())
        #expect(spec.auxWeights == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test("the identity hash ignores comments, layout and the worker count, and sees everything else")
    func hash() throws {
        let a = try SpecParser.parse("name: x\njobs: 1\naux_weights: [0.0, 0.5]\n", file: "a")
        let b = try SpecParser.parse("# comment\nname: x\njobs: 4\naux_weights: [0, 0.50]\n", file: "b")
        let c = try SpecParser.parse("name: x\naux_weights: [0.0, 0.5]\ntrain: {iterations: 7}\n", file: "c")
        #expect(a.specHash == b.specHash)
        #expect(a.specHash != c.specHash)
    }

    /// Bad files beyond the exact-message table of the command-line tests (CLITests/SweepCommandTests):
    /// the field each one-line error must name and words of its problem.
    static let badFiles: [(String, String, String)] = [
        ("name: x\naux_weights: {from: 0, to: 1}\n", "aux_weights.step", "required"),
        ("name: x\naux_weights: hello\n", "aux_weights", "must be a list"),
        ("name: x\naux_weights: {from: 0.5, to: 0.2, step: 0.1}\n", "aux_weights.to", "must not be below"),
        ("name: x\ntrain: {base_lr: 0}\n", "train.base_lr", "must be in"),
        ("name: x\ndata: {kind: cityscapes}\n", "data.kind", "must be 'shapes', 'simple-shapes' or 'folder'"),
        ("name: x\naux_weights: [0.1\n", "yaml", "not valid YAML"),
        ("name: x\nname: y\n", "yaml", "duplicate key"),
        ("name: x\nseeds: {initial: 5, max: 40}\n", "seeds.step", "is required in an adaptive sweep"),
        ("name: x\nseeds: {initial: 1, step: 1, max: 4}\n", "seeds.initial", "must be in 2...1000"),
        ("name: x\nseeds: {initial: 5, step: 5, max: 4}\n", "seeds.max", "must not be below seeds.initial"),
        ("name: x\nseeds: {initial: 2, step: 1, max: 4, min: 1}\n", "seeds.min", "unknown"),
        ("name: x\nseeds: 5\nuntil: {weights: 2}\n", "until", "needs an adaptive sweep"),
        ("name: x\naux_weights: [0.0, 0.5]\nseeds: {initial: 2, step: 1, max: 4}\nuntil: {weights: 2}\n", "until.weights",
         "must be below the number of weights (2)"),
        ("name: x\naux_weights: [0.5]\nseeds: {initial: 2, step: 1, max: 4}\n", "seeds", "at least two aux weights"),
    ]

    @Test("seeds: {initial, step, max} makes an adaptive sweep: seeds 0 ..< max, round 1 registered, the plan in the identity")
    func adaptive() throws {
        let text = "name: x\naux_weights: [0.0, 0.5, 1.0]\nseeds: {initial: 3, step: 2, max: 8}\nuntil: {weights: 2}\n"
        let spec = try SpecParser.parse(text, file: "a")
        #expect(spec.adaptive == AdaptiveSeeds(initial: 3, step: 2, max: 8, untilWeights: 2))
        #expect(spec.seeds == Array(0..<8))
        #expect(spec.jobKeys.map { "\($0.auxWeight)/\($0.seed)" } == ["0.0/0", "0.0/1", "0.0/2", "0.5/0", "0.5/1", "0.5/2", "1.0/0", "1.0/1", "1.0/2"])
        #expect(spec.firstRound == SweepRound(sweep: "x", round: 1, seeds: 3, weights: [0, 0.5, 1]))
        #expect(spec.adaptive?.rounds == 4 && spec.adaptive.map { (1...4).map($0.seedCount) } == [3, 5, 7, 8])
        // The plan is part of the identity; a fixed sweep's identity has no trace of it.
        let other = try SpecParser.parse(text.replacingOccurrences(of: "step: 2", with: "step: 3"), file: "a")
        #expect(spec.specHash != other.specHash)
        let fixed = try SpecParser.parse("name: x\naux_weights: [0.0, 0.5, 1.0]\nseeds: 8\n", file: "f")
        #expect(fixed.adaptive == nil && !fixed.canonicalJSON.contains("adaptive") && spec.canonicalJSON.contains("adaptive"))
        // A fixed sweep's hash is the one releases before adaptive sweeps gave it (stores hold it).
        let pinned = try SpecParser.parse("name: pin\naux_weights: [0.0, 0.5, 1.0]\nseeds: 3\ntrain: {iterations: 10}\n", file: "p")
        #expect(pinned.specHash == "6288d2ef3a8b907d")
    }

    @Test("bad files: one line naming the file, the field and its line, and the problem", arguments: badFiles)
    func bad(_ text: String, _ field: String, _ problem: String) {
        #expect {
            _ = try SpecParser.parse(text, file: "bad.yaml")
        } throws: { error in
            guard let error = error as? SpecError else { return false }
            let ok = error.file == "bad.yaml" && error.field == field && error.problem.contains(problem)
                && !error.description.contains("\n")
            if !ok { Issue.record("got: \(error)") }
            return ok
        }
    }

    @Test("the line of the offending field is reported")
    func lineNumbers() {
        #expect {
            _ = try SpecParser.parse("name: x\nseeds: 3\ntrain:\n  batch: 4\n  iterations: -1\n", file: "f.yaml")
        } throws: { error in
            (error as? SpecError)?.line == 5 && (error as? SpecError)?.description.hasPrefix("f.yaml: train.iterations (line 5): ") == true
        }
    }

    @Test("the shipped sweep files are valid", arguments: ["demo", "quick", "paper", "paper-adaptive", "deep-plain"])
    func shipped(_ name: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sweeps/\(name).yaml").path
        let spec = try SpecParser.parse(path: path)
        #expect(spec.name == name)
        #expect(spec.config.model.classes == spec.config.data.kind.classCount)
    }

    @Test("the simple-shapes kind sets its 6 classes and is part of the identity")
    func simpleShapes() throws {
        let full = try SpecParser.parse("name: x\n", file: "a.yaml")
        let simple = try SpecParser.parse("name: x\ndata: {kind: simple-shapes}\n", file: "b.yaml")
        #expect(full.config.model.classes == 11 && simple.config.model.classes == 6)
        #expect(simple.config.data.kind == .simple && full.specHash != simple.specHash)
        #expect(simple.firstSpecHash == nil && full.firstSpecHash != nil)
    }
}

import Foundation
