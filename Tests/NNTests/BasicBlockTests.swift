import NN
import TestSupport
import Testing

/// A ResNet BasicBlock built from the core's layers, checked against PyTorch: the composition of
/// convolution, batch norm, ReLU and the residual add, forward and backward.
@Suite("Composite BasicBlock")
struct BasicBlockTests {
    @Test("conv-BN-ReLU-conv-BN + identity, ReLU matches PyTorch")
    func matchesPyTorch() throws {
        let f = try Fixture("block_basic")
        var generator = SeededGenerator(seed: 0)
        let conv1 = Conv2d(inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        let conv2 = Conv2d(inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1, bias: false, generator: &generator)
        let bn1 = BatchNorm2d(channels: 4), bn2 = BatchNorm2d(channels: 4)
        let relu1 = ReLU(), relu2 = ReLU()
        conv1.weight.value = try f.tensor("conv1.weight")
        conv2.weight.value = try f.tensor("conv2.weight")
        for (name, bn) in [("bn1", bn1), ("bn2", bn2)] {
            bn.weight.value = try f.tensor("\(name).weight")
            bn.bias.value = try f.tensor("\(name).bias")
        }
        let x = try f.tensor("x")
        var sum = bn2.forward(conv2.forward(relu1.forward(bn1.forward(conv1.forward(x)))))
        sum.add(x)
        let y = relu2.forward(sum)
        #expect(Tolerance.error(y, try f.tensor("y")) <= Tolerance.forward)
        for (name, bn) in [("bn1", bn1), ("bn2", bn2)] {
            #expect(Tolerance.error(bn.runningMean, try f.tensor("\(name).running_mean_after")) <= Tolerance.forward)
            #expect(Tolerance.error(bn.runningVar, try f.tensor("\(name).running_var_after")) <= Tolerance.forward)
        }

        let dSum = relu2.backward(try f.tensor("dy"))
        var dx = conv1.backward(bn1.backward(relu1.backward(conv2.backward(bn2.backward(dSum)))))
        dx.add(dSum)   // the identity path
        #expect(Tolerance.error(dx, try f.tensor("dx")) <= Tolerance.backward)
        let grads: [(String, Parameter)] = [
            ("conv1.weight", conv1.weight), ("bn1.weight", bn1.weight), ("bn1.bias", bn1.bias),
            ("conv2.weight", conv2.weight), ("bn2.weight", bn2.weight), ("bn2.bias", bn2.bias),
        ]
        for (name, p) in grads {
            #expect(Tolerance.error(p.grad, try f.tensor("grad." + name)) <= Tolerance.backward, "\(name)")
        }
    }
}
