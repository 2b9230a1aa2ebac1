import NN
import TestSupport
import Testing

@Suite("CrossEntropyLoss")
struct CrossEntropyLossTests {
    @Test("matches PyTorch with ignore_index=255", arguments: ["some_ignored", "none_ignored", "large_logits"])
    func matchesPyTorch(_ name: String) throws {
        let f = try Fixture("ce_" + name)
        let loss = CrossEntropyLoss()
        let value = loss.forward(logits: try f.tensor("logits"), labels: try f.bytes("labels"))
        let expected = try f.tensor("loss").data[0]
        #expect(abs(value - expected) <= Tolerance.forward * abs(expected))
        #expect(Tolerance.error(loss.backward(), try f.tensor("dlogits")) <= Tolerance.backward)
    }

    @Test("gradient agrees with central differences, ignored pixels get none")
    func centralDifferences() throws {
        let f = try Fixture("ce_some_ignored")
        let labels = try f.bytes("labels")
        let loss = CrossEntropyLoss()
        // The loss is a scalar: wrap it as a one-element tensor so the upstream gradient scales it.
        let check = GradCheck(
            forward: { t in Tensor(shape: [1], data: [loss.forward(logits: t[0], labels: labels)]) },
            backward: { t, dy in _ = loss.forward(logits: t[0], labels: labels); return [loss.backward(scale: dy.data[0])] })
        check.run("cross_entropy", tensors: [try f.tensor("logits")], names: ["logits"])

        _ = loss.forward(logits: try f.tensor("logits"), labels: labels)
        let grad = loss.backward()
        let (n, c, h, w) = grad.nchw
        for i in 0..<n {
            for j in 0..<(h * w) where labels[i * h * w + j] == 255 {
                for k in 0..<c { #expect(grad.data[(i * c + k) * h * w + j] == 0) }
            }
        }
    }

    @Test("a batch with no valid pixel gives loss 0 and a zero gradient, not NaN")
    func allIgnored() {
        let loss = CrossEntropyLoss()
        let value = loss.forward(logits: randomTensor([2, 3, 2, 2], seed: 1), labels: [UInt8](repeating: 255, count: 8))
        #expect(value == 0)
        let grad = loss.backward()
        #expect(grad.shape == [2, 3, 2, 2] && grad.data.allSatisfy { $0 == 0 })
    }
}
