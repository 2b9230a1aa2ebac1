import CDNNL

/// oneDNN's direct convolution primitives (forward, backward-data, backward-weights) for one input
/// shape, in the layouts oneDNN chooses (blocked, e.g. nChw16c), with reorders from and to the
/// caller's NCHW/OIHW buffers.
///
/// Measured on the PSPNet-mini shapes (BENCHMARKS.md) at about 2.4x im2col + sgemm, reorders included.
/// The forward's input in oneDNN's layout is owned by the plan and kept for backward-weights (one
/// reorder of x per step, not two); backward reorders dy once for both backward primitives when they
/// want the same layout. Other activations in oneDNN's layout live in the thread's `ScratchArena`
/// (slot 0: dy, slot 1: a primitive's output or backward-weights' own dy, slot 2: backward-weights'
/// own x) only while the primitives run; weights in their layouts are owned. A dilated convolution's
/// backward-weights may run on its `SpaceToBatch` form.
final class ConvolutionPlan {
    let geometry: ConvGeometry
    let inputShape: [Int]
    let outputShape: [Int]
    let hasBias: Bool
    private let stream = DNNL.Stream()

    private let forwardPrimitive: DNNL.Primitive
    private let forwardSource, forwardWeights, forwardDestination: DNNL.Operand
    private let dataPrimitive: DNNL.Primitive
    private let dataDiffDestination, dataWeights, dataDiffSource: DNNL.Operand
    private let weightsPrimitive: DNNL.Primitive
    private let weightsSource, weightsDiffDestination, weightsDiffWeights: DNNL.Operand
    /// The bias and its gradient are plain vectors in every layout.
    private let bias, diffBias: DNNL.Memory?

    /// The layouts of the caller's input and output buffers.
    let inputLayout, outputLayout: Tensor.Layout

    init(geometry g: ConvGeometry, input: [Int], bias: Bool, inputLayout: Tensor.Layout = .nchw,
         outputLayout: Tensor.Layout = .nchw) {
        precondition(input.count == 4 && input[1] == g.inChannels, "ConvolutionPlan: input \(input) for \(g.inChannels) channels")
        geometry = g
        inputShape = input
        let output = g.outputShape(input: input)
        outputShape = output
        hasBias = bias
        self.inputLayout = inputLayout
        self.outputLayout = outputLayout
        let tag = DNNL.formatTag
        let weightShape = [g.outChannels, g.inChannels, g.kernelSize, g.kernelSize]
        // The caller's buffers: NCHW, or blocked when the neighbours keep the blocked layout (then
        // no reorder runs where oneDNN picks the same block width).
        let plainSource = DNNL.descriptor(input, tag(inputLayout)), plainDestination = DNNL.descriptor(output, tag(outputLayout))
        let plainWeights = DNNL.descriptor(weightShape, dnnl_oihw), plainBias = DNNL.descriptor([g.outChannels], dnnl_x)
        let biasDescriptor = bias ? plainBias : nil

        let (forwardPD, dataPD, dilatedWeightsPD) = Self.primitiveDescriptors(g, input: input, bias: biasDescriptor)
        // Backward-weights of a dilated convolution runs on its space-to-batch form where oneDNN has
        // no JIT kernel for the dilated one (with AVX2 it falls back to gemm at about half the speed).
        var weightsPD = dilatedWeightsPD
        if let form = SpaceToBatch(geometry: g, input: input), !DNNL.implementation(dilatedWeightsPD).hasPrefix("jit") {
            let stacked = Self.primitiveDescriptors(form.geometry, input: form.input, bias: biasDescriptor)
            weightsPD = stacked.weights
            [stacked.forward, stacked.data, dilatedWeightsPD].forEach { dnnl_primitive_desc_destroy($0) }
            spaceToBatch = form
            stackedInput = .allocate(capacity: form.input.reduce(1, *))
            stackedDiffOutput = .allocate(capacity: form.output.reduce(1, *))
        } else {
            spaceToBatch = nil
            (stackedInput, stackedDiffOutput) = (nil, nil)
        }
        defer { [forwardPD, dataPD, weightsPD].forEach { dnnl_primitive_desc_destroy($0) } }
        func chosen(_ pd: dnnl_primitive_desc_t, _ what: dnnl_query_t) -> dnnl_memory_desc_t {
            guard let md = dnnl_primitive_desc_query_md(pd, what, 0) else { preconditionFailure("oneDNN query \(what) failed") }
            return md.pointee
        }
        // Backward-weights reads x and dy in the caller's layouts, stacked when it runs space-to-batch.
        let weightsPlainSource = spaceToBatch.map { DNNL.descriptor($0.input, tag(inputLayout)) } ?? plainSource
        let weightsPlainDestination = spaceToBatch.map { DNNL.descriptor($0.output, tag(outputLayout)) } ?? plainDestination

        forwardPrimitive = DNNL.Primitive(forwardPD)
        forwardSource = DNNL.Operand(plain: plainSource, chosen: chosen(forwardPD, dnnl_query_src_md), toInner: true, slot: nil)
        forwardWeights = DNNL.Operand(plain: plainWeights, chosen: chosen(forwardPD, dnnl_query_weights_md), toInner: true, slot: nil)
        forwardDestination = DNNL.Operand(plain: plainDestination, chosen: chosen(forwardPD, dnnl_query_dst_md), toInner: false, slot: 1)
        dataPrimitive = DNNL.Primitive(dataPD)
        dataDiffDestination = DNNL.Operand(plain: plainDestination, chosen: chosen(dataPD, dnnl_query_diff_dst_md), toInner: true, slot: 0)
        dataWeights = DNNL.Operand(plain: plainWeights, chosen: chosen(dataPD, dnnl_query_weights_md), toInner: true, slot: nil)
        dataDiffSource = DNNL.Operand(plain: plainSource, chosen: chosen(dataPD, dnnl_query_diff_src_md), toInner: false, slot: 1)
        weightsPrimitive = DNNL.Primitive(weightsPD)
        weightsSource = DNNL.Operand(plain: weightsPlainSource, chosen: chosen(weightsPD, dnnl_query_src_md), toInner: true, slot: 2)
        weightsDiffDestination = DNNL.Operand(plain: weightsPlainDestination, chosen: chosen(weightsPD, dnnl_query_diff_dst_md), toInner: true, slot: 1)
        weightsDiffWeights = DNNL.Operand(plain: plainWeights, chosen: chosen(weightsPD, dnnl_query_diff_weights_md), toInner: false, slot: nil)
        self.bias = bias ? DNNL.Memory(plainBias, allocate: false) : nil
        diffBias = bias ? DNNL.Memory(plainBias, allocate: false) : nil
        sharesSource = spaceToBatch == nil && DNNL.same(forwardSource.memory.descriptor, weightsSource.memory.descriptor)
        sharesDiffDestination = spaceToBatch == nil
            && DNNL.same(dataDiffDestination.memory.descriptor, weightsDiffDestination.memory.descriptor)
    }

    deinit {
        stackedInput?.deallocate()
        stackedDiffOutput?.deallocate()
    }

    /// The forward, backward-data and backward-weights primitive descriptors of `g` on `input`, every
    /// activation and weight in the layout oneDNN prefers (the caller destroys them).
    private static func primitiveDescriptors(_ g: ConvGeometry, input: [Int], bias: dnnl_memory_desc_t?)
        -> (forward: dnnl_primitive_desc_t, data: dnnl_primitive_desc_t, weights: dnnl_primitive_desc_t) {
        let weightShape = [g.outChannels, g.inChannels, g.kernelSize, g.kernelSize]
        var anySource = DNNL.descriptor(input, dnnl_format_tag_any)
        var anyDestination = DNNL.descriptor(g.outputShape(input: input), dnnl_format_tag_any)
        var anyWeights = DNNL.descriptor(weightShape, dnnl_format_tag_any)
        let window = DNNL.ConvolutionWindow(g, input: input)
        var forwardDesc = dnnl_convolution_desc_t()
        DNNL.withOptionalPointer(to: bias) { biasPointer in
            DNNL.check(dnnl_dilated_convolution_forward_desc_init(
                &forwardDesc, dnnl_forward_training, dnnl_convolution_direct, &anySource, &anyWeights,
                biasPointer, &anyDestination, window.strides, window.dilates, window.padLeft, window.padRight), "forward descriptor")
        }
        var dataDesc = dnnl_convolution_desc_t()
        DNNL.check(dnnl_dilated_convolution_backward_data_desc_init(
            &dataDesc, dnnl_convolution_direct, &anySource, &anyWeights, &anyDestination,
            window.strides, window.dilates, window.padLeft, window.padRight), "backward-data descriptor")
        var weightsDesc = dnnl_convolution_desc_t()
        DNNL.withOptionalPointer(to: bias) { biasPointer in
            DNNL.check(dnnl_dilated_convolution_backward_weights_desc_init(
                &weightsDesc, dnnl_convolution_direct, &anySource, &anyWeights, biasPointer,
                &anyDestination, window.strides, window.dilates, window.padLeft, window.padRight), "backward-weights descriptor")
        }
        func primitiveDescriptor(_ desc: inout dnnl_convolution_desc_t, hint: const_dnnl_primitive_desc_t?) -> dnnl_primitive_desc_t {
            var pd: dnnl_primitive_desc_t?
            DNNL.check(dnnl_primitive_desc_create(&pd, &desc, nil, DNNL.engine.handle, hint), "primitive descriptor")
            guard let pd else { preconditionFailure("oneDNN returned no primitive descriptor") }
            return pd
        }
        let forwardPD = primitiveDescriptor(&forwardDesc, hint: nil)
        return (forwardPD, primitiveDescriptor(&dataDesc, hint: forwardPD), primitiveDescriptor(&weightsDesc, hint: forwardPD))
    }

    /// The space-to-batch form backward-weights runs on (nil: the convolution itself), and its
    /// stacked x and dy.
    private let spaceToBatch: SpaceToBatch?
    private let stackedInput, stackedDiffOutput: UnsafeMutablePointer<Float>?

    /// Whether backward-weights reads x in the forward's layout (then it reuses the forward's copy).
    private let sharesSource: Bool
    /// Whether both backward primitives read dy in one layout (then it is reordered once).
    private let sharesDiffDestination: Bool
    /// The x of the last forward, whose copy in oneDNN's layout backward-weights may reuse.
    private var forwardSourcePointer: UnsafeRawPointer?

    /// y [N, outC, outH, outW] = conv(x [N, inC, H, W], W [outC, inC, k, k]) + b [outC]
    func forward(x: UnsafePointer<Float>, weights: UnsafePointer<Float>, bias b: UnsafePointer<Float>?,
                 y: UnsafeMutablePointer<Float>) {
        forwardSource.load(x, on: stream)
        forwardSourcePointer = UnsafeRawPointer(x)
        forwardWeights.load(weights, on: stream)
        forwardDestination.target(y)
        var args: [(Int32, DNNL.Memory)] = [
            (AUXSWEEP_ARG_SRC, forwardSource.memory), (AUXSWEEP_ARG_WEIGHTS, forwardWeights.memory),
            (AUXSWEEP_ARG_DST, forwardDestination.memory),
        ]
        if let bias, let b {
            bias.point(at: b)
            args.append((AUXSWEEP_ARG_BIAS, bias))
        }
        forwardPrimitive.execute(on: stream, args)
        forwardDestination.store(on: stream)
        stream.wait()
    }

    /// The backward pass for the last forward's input x and dy [N, outC, outH, outW]: dx [N, inC, H, W]
    /// when `dx` is given (overwritten); dW [outC, inC, k, k] and db [outC] when `dWeights` is given
    /// (overwritten).
    func backward(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, dWeights: UnsafeMutablePointer<Float>?,
                  dBias: UnsafeMutablePointer<Float>?) {
        let shareDy = dx != nil && dWeights != nil && sharesDiffDestination
        if let dx {
            dataDiffDestination.load(dy, on: stream)
            dataWeights.load(weights, on: stream)
            dataDiffSource.target(dx)
            let span = KernelProfiler.begin(.convolutionBackwardData)
            dataPrimitive.execute(on: stream, [
                (AUXSWEEP_ARG_DIFF_DST, dataDiffDestination.memory), (AUXSWEEP_ARG_WEIGHTS, dataWeights.memory),
                (AUXSWEEP_ARG_DIFF_SRC, dataDiffSource.memory),
            ])
            stream.wait()
            span.end()
            dataDiffSource.store(on: stream)
        }
        guard let dWeights else { return stream.wait() }
        var (x, dy) = (x, dy)
        if let form = spaceToBatch, let stackedInput, let stackedDiffOutput {
            let span = KernelProfiler.begin(.layoutReorder); defer { span.end() }
            SpaceToBatch.gather(x, into: stackedInput, shape: inputShape, factor: form.factor, blockWidth: inputLayout.blockWidth ?? 1)
            SpaceToBatch.gather(dy, into: stackedDiffOutput, shape: outputShape, factor: form.factor, blockWidth: outputLayout.blockWidth ?? 1)
            (x, dy) = (UnsafePointer(stackedInput), UnsafePointer(stackedDiffOutput))
        }
        let source: DNNL.Memory
        if sharesSource && forwardSourcePointer == UnsafeRawPointer(x) && forwardSource.inner != nil {
            source = forwardSource.memory
        } else {
            weightsSource.load(x, on: stream)
            source = weightsSource.memory
        }
        let diffDestination: DNNL.Memory
        if shareDy {
            diffDestination = dataDiffDestination.memory
        } else {
            weightsDiffDestination.load(dy, on: stream)
            diffDestination = weightsDiffDestination.memory
        }
        weightsDiffWeights.target(dWeights)
        var args: [(Int32, DNNL.Memory)] = [
            (AUXSWEEP_ARG_SRC, source), (AUXSWEEP_ARG_DIFF_DST, diffDestination),
            (AUXSWEEP_ARG_DIFF_WEIGHTS, weightsDiffWeights.memory),
        ]
        if let diffBias, let dBias {
            diffBias.point(at: dBias)
            args.append((AUXSWEEP_ARG_DIFF_BIAS, diffBias))
        }
        let span = KernelProfiler.begin(.convolutionBackwardWeights)
        weightsPrimitive.execute(on: stream, args)
        stream.wait()
        span.end()
        weightsDiffWeights.store(on: stream)
        stream.wait()
    }
}
