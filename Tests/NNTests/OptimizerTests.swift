import NN
import TestSupport
import Testing

@Suite("SGD and the poly schedule")
struct OptimizerTests {
    @Test("SGD with momentum and weight decay matches torch.optim.SGD step by step", arguments: ["wd", "poly", "nowd"])
    func matchesTorch(_ name: String) throws {
        let f = try Fixture("sgd_" + name)
        let p = Parameter(try f.tensor("p0"))
        let sgd = SGD(parameters: [p], momentum: try f.float("momentum"), weightDecay: try f.float("weight_decay"))
        let lrs = try f.tensor("lrs").data
        for step in 1...3 {
            p.grad = try f.tensor("g\(step)")
            sgd.step(lr: lrs[step - 1])
            #expect(Tolerance.error(p.value, try f.tensor("p\(step)")) <= Tolerance.forward, "step \(step)")
        }
    }

    @Test("the first step initialises the momentum buffer to the gradient (plus decay)")
    func firstStep() {
        let p = Parameter(Tensor(shape: [2], data: [1, -2]))
        p.grad = Tensor(shape: [2], data: [0.5, 0.25])
        let sgd = SGD(parameters: [p], momentum: 0.9, weightDecay: 0.1)
        sgd.step(lr: 0.1)
        // d = g + 0.1 p = [0.6, 0.05]; buf = d; p -= 0.1 d
        #expect(abs(sgd.buffers[0].data[0] - 0.6) < 1e-7 && abs(sgd.buffers[0].data[1] - 0.05) < 1e-7)
        #expect(abs(p.value.data[0] - 0.94) < 1e-7 && abs(p.value.data[1] - (-2.005)) < 1e-7)
        sgd.zeroGrad()
        #expect(p.grad.maxAbs == 0)
    }

    @Test("poly learning rate is base * (1 - it/max)^power")
    func poly() {
        let schedule = PolyLearningRate(base: 0.01, maxIterations: 100, power: 0.9)
        #expect(schedule.rate(at: 0) == 0.01)
        #expect(abs(schedule.rate(at: 50) - 0.005_358_867) < 1e-9)   // 0.01 * 0.5^0.9
        #expect(abs(schedule.rate(at: 90) - 0.001_258_925) < 1e-9)   // 0.01 * 0.1^0.9
        #expect(schedule.rate(at: 100) == 0)
        #expect((0..<99).allSatisfy { schedule.rate(at: $0) > schedule.rate(at: $0 + 1) })
    }
}
