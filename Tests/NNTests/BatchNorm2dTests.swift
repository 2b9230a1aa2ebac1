import NN
import TestSupport
import Testing

@Suite("BatchNorm2d")
struct BatchNorm2dTests {
    /// A batch norm with the fixture's affine parameters and starting running statistics.
    static func layer(for f: Fixture) throws -> BatchNorm2d {
        let weight = try f.tensor("weight")
        let bn = BatchNorm2d(channels: weight.count, eps: try f.float("eps"), momentum: try f.float("momentum"))
        bn.weight.value = weight
        bn.bias.value = try f.tensor("bias")
        bn.runningMean = try f.tensor("running_mean_before")
        bn.runningVar = try f.tensor("running_var_before")
        return bn
    }

    /// "offset_1x1" and "offset_64x64": every channel's |mean| is 50-200 and 500-1000 times its
    /// standard deviation (reference computed in float64).
    @Test("training mode matches PyTorch, running statistics included",
          arguments: ["basic", "offset", "tiny", "offset_1x1", "offset_64x64"])
    func trainingMatchesPyTorch(_ name: String) throws {
        let f = try Fixture("bn_train_" + name)
        let bn = try Self.layer(for: f)
        let y = bn.forward(try f.tensor("x"))
        #expect(Tolerance.error(y, try f.tensor("y")) <= Tolerance.forward)
        #expect(Tolerance.error(bn.runningMean, try f.tensor("running_mean_after")) <= Tolerance.forward)
        #expect(Tolerance.error(bn.runningVar, try f.tensor("running_var_after")) <= Tolerance.forward)
        let dx = bn.backward(try f.tensor("dy"))
        // With two values per channel ("tiny") the normalised output is +-sqrt(var/(var+eps)) whatever
        // x is, so dx is O(eps): a cancellation of O(1) terms that float32 rounding dominates in
        // PyTorch's result as in ours (PyTorch's own dx is 0.6% off the float64 value there). That case
        // pins the count-2 running variance; dx is compared on the well-conditioned cases.
        if name != "tiny" {
            #expect(Tolerance.error(dx, try f.tensor("dx")) <= Tolerance.backward)
        }
        #expect(Tolerance.error(bn.weight.grad, try f.tensor("dweight")) <= Tolerance.backward)
        #expect(Tolerance.error(bn.bias.grad, try f.tensor("dbias")) <= Tolerance.backward)
    }

    @Test("the running variance uses the unbiased batch variance")
    func unbiasedRunningVariance() {
        // One channel, values 0 and 2: biased variance 1, unbiased 2.
        let bn = BatchNorm2d(channels: 1)
        _ = bn.forward(Tensor(shape: [1, 1, 1, 2], data: [0, 2]))
        #expect(abs(bn.runningVar.data[0] - (0.9 * 1 + 0.1 * 2)) < 1e-6)
        #expect(abs(bn.runningMean.data[0] - 0.1) < 1e-6)
    }

    @Test("evaluation mode matches PyTorch and leaves the running statistics alone")
    func evaluationMatchesPyTorch() throws {
        let f = try Fixture("bn_eval_basic")
        let bn = try Self.layer(for: f)
        bn.isTraining = false
        let y = bn.forward(try f.tensor("x"))
        #expect(Tolerance.error(y, try f.tensor("y")) <= Tolerance.forward)
        #expect(bn.runningMean == (try f.tensor("running_mean_before")))
        #expect(bn.runningVar == (try f.tensor("running_var_before")))
        let dx = bn.backward(try f.tensor("dy"))
        #expect(Tolerance.error(dx, try f.tensor("dx")) <= Tolerance.backward)
        #expect(Tolerance.error(bn.weight.grad, try f.tensor("dweight")) <= Tolerance.backward)
        #expect(Tolerance.error(bn.bias.grad, try f.tensor("dbias")) <= Tolerance.backward)
    }

    @Test("gradients agree with central differences", arguments: [true, false])
    func centralDifferences(training: Bool) throws {
        let f = try Fixture(training ? "bn_train_basic" : "bn_eval_basic")
        let bn = try Self.layer(for: f)
        bn.isTraining = training
        let (before, beforeVar) = (bn.runningMean, bn.runningVar)
        func load(_ t: [Tensor]) {
            bn.weight.value = t[1]
            bn.bias.value = t[2]
            bn.runningMean = before
            bn.runningVar = beforeVar
        }
        let check = GradCheck(
            forward: { t in load(t); return bn.forward(t[0]) },
            backward: { t, dy in
                load(t)
                _ = bn.forward(t[0])
                bn.parameters.forEach { $0.zeroGrad() }
                return [bn.backward(dy), bn.weight.grad, bn.bias.grad]
            })
        check.run(training ? "bn_train" : "bn_eval", tensors: [try f.tensor("x"), bn.weight.value, bn.bias.value],
                  names: ["x", "weight", "bias"])
    }

    @Test("a fused ReLU gives exactly BatchNorm2d then ReLU, forward and backward", arguments: [true, false])
    func fusedReLU(training: Bool) {
        let x = randomTensor([3, 5, 4, 7], seed: 31), dy = randomTensor([3, 5, 4, 7], seed: 32)
        let fused = BatchNorm2d(channels: 5, fusedReLU: true), plain = BatchNorm2d(channels: 5), relu = ReLU()
        for bn in [fused, plain] {
            bn.weight.value = randomTensor([5], seed: 33)
            bn.bias.value = randomTensor([5], seed: 34)
            bn.runningVar.data = [0.5, 1, 1.5, 2, 2.5]
            bn.isTraining = training
        }
        let y = fused.forward(x)
        #expect(y == relu.forward(plain.forward(x)))
        #expect(y.data.contains(0) && y.data.allSatisfy { $0 >= 0 })
        #expect(fused.backward(dy) == plain.backward(relu.backward(dy)))
        #expect(fused.weight.grad == plain.weight.grad && fused.bias.grad == plain.bias.grad)
        #expect(fused.runningMean == plain.runningMean && fused.runningVar == plain.runningVar)
    }
}
