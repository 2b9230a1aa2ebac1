import NN
import Segmentation
import Testing
import TestSupport

/// PSPNet-mini's fused evaluation forward against its layers run one by one in evaluation mode.
@Suite("PSPNet-mini fused evaluation")
struct EvaluationGraphModelTests {
    @Test("the fused forward gives the layers' logits, and follows the weights through training steps")
    func fusedMatchesLayers() throws {
        let trainer = Trainer(config: TrainerTests.tinyConfig(iterations: 6), auxWeight: 0.4, seed: 5)
        let model = trainer.model
        let images = randomImages([4, 3, 32, 32])
        func compare() {
            model.isTraining = false
            defer { model.isTraining = true }
            model.usesEvaluationGraph = false
            let layers = model.forward(images).main
            model.usesEvaluationGraph = true
            let fused = model.forward(images).main
            #expect(Tolerance.error(fused, layers) <= Tolerance.forward)
        }
        compare()
        // Weights and running statistics move; the graph built above must see the new ones.
        for _ in 0..<3 { _ = try trainer.step() }
        compare()
        for _ in 0..<3 { _ = try trainer.step() }
        compare()
    }

    @Test("plain (non-residual) stages and a rectangular input run through the graph too")
    func plainStagesRectangle() {
        var config = ModelConfig(classes: 3)
        config.blocks = [1, 1, 1, 2]
        config.residual = [true, true, true, false]
        let model = PSPNetMini(config: config, seed: 9)
        _ = model.forward(randomImages([2, 3, 48, 40]))  // move the running statistics once
        model.isTraining = false
        let images = randomImages([2, 3, 48, 40])
        model.usesEvaluationGraph = false
        let layers = model.forward(images).main
        model.usesEvaluationGraph = true
        #expect(Tolerance.error(model.forward(images).main, layers) <= Tolerance.forward)
    }

    func randomImages(_ shape: [Int]) -> Tensor {
        var generator = SeededGenerator(seed: 21)
        var t = Tensor(shape: shape)
        for i in 0..<t.count { t.data[i] = generator.nextNormal() }
        return t
    }
}
