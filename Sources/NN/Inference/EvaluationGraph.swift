import CDNNL

/// A network's evaluation-mode forward, compiled once per input shape: convolutions with their batch
/// norm folded into weights and bias and the residual sum and ReLU fused (oneDNN post-ops),
/// activations kept in oneDNN's blocked layouts between layers, and every buffer allocated when the
/// graph is built.
///
/// The results agree with the layers' own evaluation forward to rounding (folding and oneDNN's
/// inference kernels order the float operations differently; tested at 1e-4 relative); pooling,
/// resizing and concatenation compute exactly what their NCHW layers do. Parameters and running
/// statistics are folded into the graph on the first run and again whenever one of them has changed
/// (`Parameter.version`, `BatchNorm2d.statisticsVersion`).
///
///     let graph = EvaluationGraph(inputShape: [16, 3, 64, 64])
///     let y = graph.convolution(conv, norm: bn, graph.input, relu: true)
///     graph.setOutput(y)
///     let logits = graph.run(images)   // NCHW
public final class EvaluationGraph {
    /// A tensor of the graph: an index into its values.
    public struct Value: Sendable {
        fileprivate let index: Int
    }

    /// A value's dims (NCHW), layout and buffer; `consumed` once a convolution accumulated into it.
    private final class Slot {
        let dims: [Int]
        let descriptor: dnnl_memory_desc_t
        let memory: DNNL.Memory
        var consumed = false
        init(dims: [Int], descriptor: dnnl_memory_desc_t, memory: DNNL.Memory) {
            self.dims = dims
            self.descriptor = descriptor
            self.memory = memory
        }
    }

    public let inputShape: [Int]
    private var slots: [Slot] = []
    /// What `run` does, in order, each with the kernel kind the profiler charges it to.
    private var steps: [(kind: KernelProfiler.Kernel, body: () -> Void)] = []
    private var convolutions: [FusedConvolution] = []
    private let stream = DNNL.Stream()
    private var output: Value?
    /// The sum of the version counters of every parameter and running statistic at the last load.
    private var loadedFingerprint: Int?

    /// An empty graph whose input is an NCHW tensor of `inputShape`.
    public init(inputShape: [Int]) {
        precondition(inputShape.count == 4 && inputShape.allSatisfy { $0 > 0 }, "EvaluationGraph needs an NCHW input shape, got \(inputShape)")
        // The primitives are made for this thread's oneDNN thread count (1 unless set).
        Compute.prepareThread()
        self.inputShape = inputShape
        let descriptor = DNNL.descriptor(inputShape, dnnl_nchw)
        slots.append(Slot(dims: inputShape, descriptor: descriptor, memory: DNNL.Memory(descriptor, allocate: false)))
    }

    /// The graph's input (NCHW).
    public var input: Value { Value(index: 0) }

    /// The NCHW dims of a value.
    public func shape(of value: Value) -> [Int] { slots[value.index].dims }

    private func newSlot(dims: [Int], descriptor: dnnl_memory_desc_t) -> Value {
        slots.append(Slot(dims: dims, descriptor: descriptor, memory: DNNL.Memory(descriptor, allocate: true)))
        return Value(index: slots.count - 1)
    }

    /// The slot of `value`, checked not to have been consumed.
    private func slot(_ value: Value) -> Slot {
        let slot = slots[value.index]
        precondition(!slot.consumed, "EvaluationGraph: value \(value.index) was consumed by an accumulating convolution")
        return slot
    }

    /// `value` in the layout `descriptor`: the value itself, or a new value and a reorder step.
    private func converted(_ value: Value, to descriptor: dnnl_memory_desc_t) -> Value {
        DNNL.same(slot(value).descriptor, descriptor) ? value : reordered(value, to: descriptor)
    }

    /// A copy of `value` in a buffer of the graph's own (a reorder between equal layouts copies).
    private func copied(_ value: Value) -> Value {
        reordered(value, to: slot(value).descriptor)
    }

    /// A new value in `descriptor`'s layout, filled from `value` by a reorder step.
    private func reordered(_ value: Value, to descriptor: dnnl_memory_desc_t) -> Value {
        let source = slot(value)
        let target = newSlot(dims: source.dims, descriptor: descriptor)
        let reorder = DNNL.Primitive(reorderFrom: source.descriptor, to: descriptor)
        let (from, to, stream) = (source.memory, slots[target.index].memory, stream)
        steps.append((.layoutReorder, {
            reorder.execute(on: stream, [(AUXSWEEP_ARG_FROM, from), (AUXSWEEP_ARG_TO, to)])
            stream.wait()
        }))
        return target
    }

    /// The blocked layout of pooling, resizing and concatenation: the one oneDNN's convolutions pick
    /// on this CPU, so that no reorder runs around them.
    private let blockedLayout = Tensor.Layout.native
    private var blockWidth: Int { blockedLayout.blockWidth ?? 1 }

    /// `value` in `blockedLayout`, for the blocked kernels.
    private func blocked(_ value: Value) -> (Value, Slot) {
        let dims = slot(value).dims
        precondition(dims[1] % blockWidth == 0,
                     "EvaluationGraph: pooling, resizing and concatenation need channels in multiples of \(blockWidth), got \(dims[1])")
        let v = converted(value, to: blockedDescriptor(dims))
        return (v, slots[v.index])
    }

    private func blockedDescriptor(_ dims: [Int]) -> dnnl_memory_desc_t {
        DNNL.descriptor(dims, DNNL.formatTag(blockedLayout))
    }

    /// conv(x), then (when given) the evaluation-mode batch norm, the sum with `residual` and ReLU
    /// (also when the batch norm has its ReLU fused).
    ///
    /// The sum accumulates into the residual's buffer (oneDNN's sum post-op), so the result takes it
    /// over: `residual` is consumed and no later step may read it.
    public func convolution(_ conv: Conv2d, norm: BatchNorm2d?, _ x: Value, accumulatingInto residual: Value? = nil,
                            relu: Bool) -> Value {
        let inputDims = slot(x).dims
        let g = conv.geometry
        let outputDims = g.outputShape(input: inputDims)
        let fused = FusedConvolution(convolution: conv, norm: norm, input: inputDims, accumulates: residual != nil,
                                     relu: relu || norm?.fusedReLU == true)
        convolutions.append(fused)
        let source = slots[converted(x, to: fused.sourceDescriptor).index].memory
        let result: Value
        if let residual {
            precondition(slot(residual).dims == outputDims, "EvaluationGraph: residual \(slot(residual).dims) != output \(outputDims)")
            precondition(residual.index != x.index, "EvaluationGraph: a convolution cannot accumulate into its own input")
            // The result takes over the residual's buffer (or its converted copy's) under a new handle;
            // never the caller's input tensor, which is only lent to `run`.
            var accumulator = converted(residual, to: fused.destinationDescriptor)
            if accumulator.index == input.index { accumulator = copied(accumulator) }
            let target = slots[accumulator.index]
            slots[residual.index].consumed = true
            target.consumed = true
            slots.append(Slot(dims: outputDims, descriptor: target.descriptor, memory: target.memory))
            result = Value(index: slots.count - 1)
        } else {
            result = newSlot(dims: outputDims, descriptor: fused.destinationDescriptor)
        }
        let destination = slots[result.index].memory
        let multiplyAdds = outputDims.reduce(1, *) * g.patchSize
        steps.append((.convolutionForward, {
            fused.run(source: source, destination: destination)
            conv.lastForwardMultiplyAdds = multiplyAdds
        }))
        return result
    }

    /// Adaptive average pooling of `x` to bins x bins (as `AdaptiveAvgPool2d`).
    public func adaptiveAveragePool(_ x: Value, bins: Int) -> Value {
        let (source, slot) = blocked(x)
        let d = slot.dims
        let result = newSlot(dims: [d[0], d[1], bins, bins], descriptor: blockedDescriptor([d[0], d[1], bins, bins]))
        let (from, to, block) = (slots[source.index].memory, slots[result.index].memory, blockWidth)
        steps.append((.poolForward, {
            BlockedKernels.adaptiveAveragePool(from.pointer.assumingMemoryBound(to: Float.self), to.pointer.assumingMemoryBound(to: Float.self),
                                               n: d[0], c: d[1], h: d[2], w: d[3], bins: bins, block: block)
        }))
        return result
    }

    /// Bilinear resizing of `x` with align_corners (as `BilinearUpsample`).
    public func bilinearUpsample(_ x: Value, height: Int, width: Int) -> Value {
        let (source, slot) = blocked(x)
        let d = slot.dims
        let dims = [d[0], d[1], height, width]
        let result = newSlot(dims: dims, descriptor: blockedDescriptor(dims))
        let (from, to, block) = (slots[source.index].memory, slots[result.index].memory, blockWidth)
        steps.append((.upsampleForward, {
            BlockedKernels.bilinearUpsample(from.pointer.assumingMemoryBound(to: Float.self), to.pointer.assumingMemoryBound(to: Float.self),
                                            n: d[0], c: d[1], h: d[2], w: d[3], outH: height, outW: width, block: block)
        }))
        return result
    }

    /// The channel concatenation of `parts` (as `ChannelConcat`).
    public func concat(_ parts: [Value]) -> Value {
        precondition(!parts.isEmpty, "EvaluationGraph.concat needs at least one value")
        let blockedParts = parts.map { blocked($0) }
        let first = blockedParts[0].1.dims
        for (_, part) in blockedParts {
            precondition(part.dims[0] == first[0] && part.dims[2] == first[2] && part.dims[3] == first[3],
                         "EvaluationGraph.concat: shape \(part.dims) does not match \(first)")
        }
        let total = blockedParts.reduce(0) { $0 + $1.1.dims[1] }
        let dims = [first[0], total, first[2], first[3]]
        let result = newSlot(dims: dims, descriptor: blockedDescriptor(dims))
        let target = slots[result.index].memory
        var offset = 0
        for (_, part) in blockedParts {
            let (memory, c, start) = (part.memory, part.dims[1], offset)
            steps.append((.concatForward, {
                ChannelConcat.copyChannels(memory.pointer.assumingMemoryBound(to: Float.self), into: target.pointer.assumingMemoryBound(to: Float.self),
                                            n: dims[0], c: c, plane: dims[2] * dims[3], offset: start, total: total)
            }))
            offset += c
        }
        return result
    }

    /// Makes `value` (converted to NCHW) what `run` returns.
    public func setOutput(_ value: Value) {
        output = converted(value, to: DNNL.descriptor(slot(value).dims, dnnl_nchw))
    }

    /// The implementations oneDNN chose for the convolutions, in graph order (for diagnostics).
    public var convolutionImplementations: [String] { convolutions.map(\.implementation) }

    /// Runs the graph on `x` (NCHW, `inputShape`) and returns the output value as an NCHW tensor.
    public func run(_ x: Tensor) -> Tensor {
        precondition(x.shape == inputShape, "EvaluationGraph: input \(x.shape) != \(inputShape)")
        guard let output else { preconditionFailure("EvaluationGraph.run before setOutput") }
        Compute.prepareThread()
        let fingerprint = convolutions.reduce(0) { sum, fused in
            sum &+ fused.convolution.parameters.reduce(0) { $0 &+ $1.version }
                &+ (fused.norm.map { $0.statisticsVersion &+ $0.weight.version &+ $0.bias.version } ?? 0)
        }
        if fingerprint != loadedFingerprint {
            convolutions.forEach { $0.loadParameters() }
            loadedFingerprint = fingerprint
        }
        x.data.withUnsafeBufferPointer { xp in
            slots[0].memory.point(at: xp.start)
            for step in steps {
                let span = KernelProfiler.begin(step.kind)
                step.body()
                span.end()
            }
        }
        let result = slots[output.index]
        var y = Tensor(uninitializedShape: result.dims)
        y.data.withUnsafeMutableBufferPointer { yp in
            yp.start.update(from: result.memory.pointer.assumingMemoryBound(to: Float.self), count: yp.count)
        }
        return y
    }
}
