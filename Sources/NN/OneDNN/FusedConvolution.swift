import CDNNL

/// An evaluation-mode convolution with its batch norm folded into the weights and bias, and a
/// residual sum and ReLU applied in the same pass (oneDNN post-ops), reading and writing activations
/// in the layouts oneDNN picks.
///
/// dst = relu(conv(src, W * s) + (b - mean) * s + beta + dst_before), s = gamma / sqrt(var + eps) per
/// output channel, each part optional. Folding reorders the float operations of the unfused layers
/// (`Conv2d`, `BatchNorm2d` in evaluation mode, `Tensor.add`, `ReLU`): the results agree with theirs
/// to rounding (PSPNet-mini's logits: 4-5e-7 of the largest; the tests hold them to 1e-4), not bit
/// for bit.
final class FusedConvolution {
    let convolution: Conv2d
    let norm: BatchNorm2d?
    /// The layouts the primitive reads and writes (`format_tag_any` resolved by oneDNN).
    let sourceDescriptor, destinationDescriptor: dnnl_memory_desc_t
    /// The implementation oneDNN chose, for diagnostics.
    let implementation: String
    private let primitive: DNNL.Primitive
    private let stream = DNNL.Stream()
    /// Folded weights in the primitive's layout, and the view and reorder that fill them from OIHW.
    private let weights: DNNL.Memory
    private let plainWeights: DNNL.Memory
    private let weightsReorder: DNNL.Primitive
    /// The folded bias (present whenever the convolution has a bias or a batch norm).
    private let bias: DNNL.Memory?

    /// - Parameters:
    ///   - input: the NCHW dims of the source.
    ///   - accumulates: add the destination's previous contents (a residual) before the ReLU.
    init(convolution conv: Conv2d, norm: BatchNorm2d?, input: [Int], accumulates: Bool, relu: Bool) {
        let g = conv.geometry
        precondition(input.count == 4 && input[1] == g.inChannels, "FusedConvolution: input \(input) for \(g.inChannels) channels")
        precondition(norm.map { $0.channels == g.outChannels } ?? true, "FusedConvolution: batch norm width != output channels")
        convolution = conv
        self.norm = norm
        let output = g.outputShape(input: input)
        let weightShape = [g.outChannels, g.inChannels, g.kernelSize, g.kernelSize]
        var anySource = DNNL.descriptor(input, dnnl_format_tag_any)
        var anyDestination = DNNL.descriptor(output, dnnl_format_tag_any)
        var anyWeights = DNNL.descriptor(weightShape, dnnl_format_tag_any)
        let plainBias = DNNL.descriptor([g.outChannels], dnnl_x)
        let hasBias = conv.bias != nil || norm != nil
        let window = DNNL.ConvolutionWindow(g, input: input)
        var desc = dnnl_convolution_desc_t()
        DNNL.withOptionalPointer(to: hasBias ? plainBias : nil) { biasPointer in
            DNNL.check(dnnl_dilated_convolution_forward_desc_init(
                &desc, dnnl_forward_inference, dnnl_convolution_direct, &anySource, &anyWeights,
                biasPointer, &anyDestination, window.strides, window.dilates, window.padLeft, window.padRight), "fused forward descriptor")
        }

        // Post-ops: the sum with the destination's contents, then ReLU.
        var postOps: dnnl_post_ops_t?
        DNNL.check(dnnl_post_ops_create(&postOps), "post-ops creation")
        defer { dnnl_post_ops_destroy(postOps) }
        if accumulates { DNNL.check(dnnl_post_ops_append_sum(postOps, 1), "sum post-op") }
        if relu { DNNL.check(dnnl_post_ops_append_eltwise(postOps, 1, dnnl_eltwise_relu, 0, 0), "ReLU post-op") }
        var attributes: dnnl_primitive_attr_t?
        DNNL.check(dnnl_primitive_attr_create(&attributes), "attribute creation")
        defer { dnnl_primitive_attr_destroy(attributes) }
        DNNL.check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "set post-ops")

        var pd: dnnl_primitive_desc_t?
        DNNL.check(dnnl_primitive_desc_create(&pd, &desc, attributes, DNNL.engine.handle, nil), "fused primitive descriptor")
        guard let pd else { preconditionFailure("oneDNN returned no primitive descriptor") }
        defer { dnnl_primitive_desc_destroy(pd) }
        func chosen(_ what: dnnl_query_t) -> dnnl_memory_desc_t {
            guard let md = dnnl_primitive_desc_query_md(pd, what, 0) else { preconditionFailure("oneDNN query \(what) failed") }
            return md.pointee
        }
        primitive = DNNL.Primitive(pd)
        implementation = DNNL.implementation(pd)
        sourceDescriptor = chosen(dnnl_query_src_md)
        destinationDescriptor = chosen(dnnl_query_dst_md)
        let weightsDescriptor = chosen(dnnl_query_weights_md)
        let plainWeightsDescriptor = DNNL.descriptor(weightShape, dnnl_oihw)
        plainWeights = DNNL.Memory(plainWeightsDescriptor, allocate: false)
        // Owned, even when the layouts agree (the reorder is then a copy).
        weights = DNNL.Memory(weightsDescriptor, allocate: true)
        weightsReorder = DNNL.Primitive(reorderFrom: plainWeightsDescriptor, to: weightsDescriptor)
        bias = hasBias ? DNNL.Memory(plainBias, allocate: true) : nil
    }

    /// Folds the layers' current weights, bias and batch-norm statistics into the primitive's
    /// operands (call again whenever they change).
    func loadParameters() {
        let conv = convolution
        let outC = conv.geometry.outChannels, patch = conv.geometry.patchSize
        var folded = conv.weight.value.data
        var foldedBias = conv.bias?.value.data ?? [Float](repeating: 0, count: outC)
        if let norm {
            for o in 0..<outC {
                // BN(z) = (z - mean) * invStd * gamma + beta = z * s + (beta - mean * s)
                let s = norm.weight.value.data[o] * norm.evaluationInverseStd(o)
                for i in (o * patch)..<((o + 1) * patch) { folded[i] *= s }
                foldedBias[o] = (foldedBias[o] - norm.runningMean.data[o]) * s + norm.bias.value.data[o]
            }
        }
        folded.withUnsafeBufferPointer { w in
            plainWeights.point(at: w.start)
            weightsReorder.execute(on: stream, [(AUXSWEEP_ARG_FROM, plainWeights), (AUXSWEEP_ARG_TO, weights)])
            stream.wait()
        }
        bias?.pointer.assumingMemoryBound(to: Float.self).update(from: foldedBias, count: outC)
    }

    /// Runs the convolution from `source` (in `sourceDescriptor`'s layout) into `destination` (in
    /// `destinationDescriptor`'s, holding the residual when the convolution accumulates).
    func run(source: DNNL.Memory, destination: DNNL.Memory) {
        var args: [(Int32, DNNL.Memory)] = [
            (AUXSWEEP_ARG_SRC, source), (AUXSWEEP_ARG_WEIGHTS, weights), (AUXSWEEP_ARG_DST, destination),
        ]
        if let bias { args.append((AUXSWEEP_ARG_BIAS, bias)) }
        primitive.execute(on: stream, args)
        stream.wait()
    }
}
