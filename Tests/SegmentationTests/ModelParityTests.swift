import NN
import Segmentation
import Testing
import TestSupport

/// PSPNet-mini against PyTorch (tools/reference/make_model_fixtures.py): checkpoints written by
/// PyTorch load here, evaluation logits and training gradients match.
@Suite("PSPNet-mini parity with PyTorch")
struct ModelParityTests {
    static let cases = ["default", "small_rect", "plain4"]

    @Test("a PyTorch checkpoint loads with the architecture inferred from its tensors", arguments: cases)
    func loadsPyTorchCheckpoint(_ name: String) throws {
        let fixture = try Fixture("model_" + name, target: "SegmentationTests")
        let io = try Fixture("io_" + name, target: "SegmentationTests")
        let model = try Checkpoint.load(path: fixture.path)
        #expect(model.config.classes == (try io.int("classes")))
        #expect(model.config.blocks.map(String.init).joined(separator: ",") == io.file.metadata["blocks"])
        // Every tensor PyTorch wrote (but num_batches_tracked) is one of ours, bit for bit.
        let ours = Dictionary(uniqueKeysWithValues: model.state.tensors.map { ($0.name, $0.tensor) })
        for name in fixture.file.tensors.keys where !name.hasSuffix("num_batches_tracked") {
            #expect(ours[name] == (try fixture.tensor(name)), "\(name)")
        }
        #expect(ours.count == fixture.file.tensors.keys.filter { !$0.hasSuffix("num_batches_tracked") }.count)
    }

    @Test("evaluation logits match PyTorch", arguments: cases)
    func evaluationLogits(_ name: String) throws {
        let model = try Checkpoint.load(path: try Fixture("model_" + name, target: "SegmentationTests").path)
        let io = try Fixture("io_" + name, target: "SegmentationTests")
        model.isTraining = false
        let (logits, aux) = model.forward(try io.tensor("x"))
        #expect(aux == nil, "evaluation runs the main head only")
        #expect(Tolerance.error(logits, try io.tensor("eval_logits")) <= Tolerance.forward)
    }

    @Test("training losses and every gradient match PyTorch (dropout off)", arguments: cases)
    func trainingGradients(_ name: String) throws {
        let model = try Checkpoint.load(path: try Fixture("model_" + name, target: "SegmentationTests").path, dropout: 0)
        let io = try Fixture("io_" + name, target: "SegmentationTests")
        let result = GradientProbe.run(model: model, images: try io.tensor("x"), labels: try io.bytes("labels"),
                                       auxWeight: try io.float("aux_weight"))
        for scalar in ["loss", "main_loss", "aux_loss"] {
            let ours = try result.tensor(scalar).data[0], theirs = try io.tensor(scalar).data[0]
            #expect(abs(ours - theirs) <= Tolerance.forward * abs(theirs), "\(scalar): \(ours) vs \(theirs)")
        }
        var compared = 0
        for (tensorName, _) in result.tensors where !["loss", "main_loss", "aux_loss"].contains(tensorName) {
            let ours = try result.tensor(tensorName), theirs = try io.tensor("grad." + tensorName)
            // Element by element too: the fixtures keep every ReLU clear of its kink (Tolerance).
            let error = Tolerance.relativeL2(ours, theirs), worst = Tolerance.error(ours, theirs)
            #expect(error <= Tolerance.backward, "grad \(tensorName): relative L2 error \(error)")
            #expect(worst <= Tolerance.backward, "grad \(tensorName): error \(worst) relative to the largest magnitude")
            compared += 1
        }
        #expect(compared == model.parameters.count)
        // The running statistics moved exactly as PyTorch's did.
        let bn = model.state.tensors.first { $0.name == "layer1.0.bn1.running_mean" }?.tensor
        #expect(Tolerance.error(try #require(bn), try io.tensor("bn_check.running_mean")) <= Tolerance.forward)
    }
}
