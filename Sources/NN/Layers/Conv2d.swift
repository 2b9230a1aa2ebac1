/// How `Conv2d` computes: oneDNN's convolution primitives (the default, measured fastest) or
/// im2col + oneDNN's sgemm.
public enum ConvolutionBackend: Sendable {
    case primitives
    case im2colGEMM
}

/// 2-D convolution (PyTorch's `nn.Conv2d`, square kernel, groups 1).
///
/// Forward:          y [N, outC, outH, outW] = conv(x [N, inC, H, W], W [outC, inC, k, k]) + b [outC]
/// Backward-data:    dx [N, inC, H, W] from dy and W
/// Backward-weights: dW += from x and dy;  db += dy summed over images and pixels
/// The default backend runs oneDNN's direct convolution primitives in their preferred (blocked)
/// layouts, one plan per input shape and layouts: the input may be NCHW or blocked (`Tensor.Layout`),
/// the output is `outputLayout`, and a reorder runs only where those differ from oneDNN's choice (on
/// AVX-512 it picks nChw16c, on AVX2 nChw8c: `Tensor.Layout.native`).
/// `NaiveConv2d` is the oracle.
public final class Conv2d: Layer {
    public let geometry: ConvGeometry
    /// [outChannels, inChannels, k, k]
    public let weight: Parameter
    /// [outChannels], or nil for a convolution without bias.
    public let bias: Parameter?
    public var isTraining = true
    public let backend: ConvolutionBackend
    /// The layout of the output (and of dy in backward): a blocked layout keeps oneDNN's blocked order
    /// for a following batch norm or convolution. The input's layout is whatever the tensor has.
    public var outputLayout: Tensor.Layout = .nchw {
        didSet {
            precondition(outputLayout.blockWidth.map { backend == .primitives && geometry.outChannels % $0 == 0 } ?? true,
                         "a blocked output needs the primitives backend and output channels in multiples of its block width")
        }
    }

    /// The input of the last forward: backward-weights needs it.
    private var input: Tensor?
    /// Patch matrix scratch space of the im2col backend, reused across calls.
    var workspace: [Float] = []
    /// The primitives' plans by input shape, and scratch for the weight and bias gradients.
    private var plans: [PlanKey: ConvolutionPlan] = [:]
    private struct PlanKey: Hashable {
        let shape: [Int]
        let input: Tensor.Layout, output: Tensor.Layout
    }
    private var weightGradientScratch: [Float] = []
    private var biasGradientScratch: [Float] = []
    /// Multiply-adds of the last forward (for throughput reports).
    public internal(set) var lastForwardMultiplyAdds = 0

    /// A convolution initialised as PyTorch initialises `nn.Conv2d` (kaiming-uniform, a = sqrt(5)).
    public init(inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, bias: Bool = true, backend: ConvolutionBackend = .primitives,
                generator: inout SeededGenerator) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && dilation > 0 && padding >= 0,
                     "Conv2d needs positive channels, kernel, stride, dilation and non-negative padding")
        geometry = ConvGeometry(inChannels: inChannels, outChannels: outChannels, kernelSize: kernelSize,
                                stride: stride, padding: padding, dilation: dilation)
        self.backend = backend
        weight = Parameter(Initialization.convWeight(
            shape: [outChannels, inChannels, kernelSize, kernelSize], using: &generator))
        self.bias = bias
            ? Parameter(Initialization.convBias(count: outChannels, fanIn: geometry.patchSize, using: &generator))
            : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    /// The plan for an input shape and the layouts, made on first use.
    private func plan(for shape: [Int], input: Tensor.Layout, output: Tensor.Layout) -> ConvolutionPlan {
        let key = PlanKey(shape: shape, input: input, output: output)
        if let plan = plans[key] { return plan }
        Compute.prepareThread()
        let plan = ConvolutionPlan(geometry: geometry, input: shape, bias: bias != nil, inputLayout: input, outputLayout: output)
        plans[key] = plan
        return plan
    }

    /// The plan the last forward ran (backward runs the same one).
    private var lastPlan: ConvolutionPlan?

    /// x: [N, inC, H, W] -> y: [N, outC, outH, outW]
    public func forward(_ x: Tensor) -> Tensor {
        let span = KernelProfiler.begin(.convolutionForward); defer { span.end() }
        let (n, c, h, w) = x.nchw
        let g = geometry
        precondition(c == g.inChannels, "Conv2d expects \(g.inChannels) input channels, got \(c)")
        let outH = g.outputSize(h), outW = g.outputSize(w)
        precondition(outH > 0 && outW > 0, "Conv2d input \(h)x\(w) is too small for its kernel")
        input = x
        lastForwardMultiplyAdds = n * g.outChannels * outH * outW * g.patchSize
        guard backend == .primitives else {
            precondition(x.layout == .nchw, "the im2col backend takes NCHW inputs")
            return forwardIm2col(x)
        }
        Compute.prepareThread()
        var y = Tensor(uninitializedShape: [n, g.outChannels, outH, outW], layout: outputLayout)
        let plan = plan(for: x.shape, input: x.layout, output: outputLayout)
        lastPlan = plan
        x.data.withUnsafeBufferPointer { xp in
            weight.value.data.withUnsafeBufferPointer { wp in
                y.data.withUnsafeMutableBufferPointer { yp in
                    if let bias {
                        bias.value.data.withUnsafeBufferPointer { bp in
                            plan.forward(x: xp.start, weights: wp.start, bias: bp.start, y: yp.start)
                        }
                    } else {
                        plan.forward(x: xp.start, weights: wp.start, bias: nil, y: yp.start)
                    }
                }
            }
        }
        return y
    }

    /// dy: [N, outC, outH, outW] -> dx: [N, inC, H, W]; adds into weight.grad and bias.grad.
    public func backward(_ dy: Tensor) -> Tensor {
        guard backend == .primitives else {
            accumulateParameterGradients(dy)
            return inputGradient(dy)
        }
        guard let dx = primitivesBackward(dy, inputGradient: true, parameterGradients: true) else {
            preconditionFailure("Conv2d.backward: no input gradient")
        }
        return dx
    }

    /// The input of the last forward, checked against `dy`'s shape.
    private func cachedInput(matching dy: Tensor) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward called before forward") }
        let expected = geometry.outputShape(input: x.shape)
        precondition(dy.shape == expected, "Conv2d.backward: dy shape \(dy.shape) != output shape \(expected)")
        precondition(backend == .primitives || dy.layout == .nchw, "the im2col backend takes an NCHW dy")
        return x
    }

    /// Backward-weights: adds dL/dW (and dL/db) for the last forward's input into the gradients.
    /// The first layer of a network calls only this (its input needs no gradient).
    public func accumulateParameterGradients(_ dy: Tensor) {
        guard backend == .primitives else {
            let span = KernelProfiler.begin(.convolutionBackwardWeights); defer { span.end() }
            return accumulateParameterGradientsIm2col(dy, input: cachedInput(matching: dy))
        }
        _ = primitivesBackward(dy, inputGradient: false, parameterGradients: true)
    }

    /// Backward-data: dL/dx for the last forward's input.
    public func inputGradient(_ dy: Tensor) -> Tensor {
        guard backend == .primitives else {
            let span = KernelProfiler.begin(.convolutionBackwardData); defer { span.end() }
            return inputGradientIm2col(dy, input: cachedInput(matching: dy))
        }
        guard let dx = primitivesBackward(dy, inputGradient: true, parameterGradients: false) else {
            preconditionFailure("Conv2d.inputGradient: no input gradient")
        }
        return dx
    }

    /// Both backward passes by the primitives, sharing dy's reorder: returns dx when asked and adds
    /// dW and db into the gradients when asked.
    private func primitivesBackward(_ dy: Tensor, inputGradient: Bool, parameterGradients: Bool) -> Tensor? {
        // The primitives and reorders inside charge themselves; the rest goes to the main pass.
        let span = KernelProfiler.begin(inputGradient ? .convolutionBackwardData : .convolutionBackwardWeights)
        defer { span.end() }
        let x = cachedInput(matching: dy)
        Compute.prepareThread()
        guard let plan = lastPlan else { preconditionFailure("Conv2d.backward called before forward") }
        precondition(dy.layout == plan.outputLayout, "Conv2d.backward: dy is \(dy.layout), the output was \(plan.outputLayout)")
        if parameterGradients && weightGradientScratch.count != weight.grad.count {
            weightGradientScratch = [Float](repeating: 0, count: weight.grad.count)
            biasGradientScratch = [Float](repeating: 0, count: geometry.outChannels)
        }
        var dx = inputGradient ? Tensor(uninitializedShape: x.shape, layout: x.layout) : Tensor(shape: [0])
        x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
                weight.value.data.withUnsafeBufferPointer { wp in
                    dx.data.withUnsafeMutableBufferPointer { dxp in
                        weightGradientScratch.withUnsafeMutableBufferPointer { dw in
                            biasGradientScratch.withUnsafeMutableBufferPointer { db in
                                plan.backward(x: xp.start, dy: dyp.start, weights: wp.start,
                                              dx: inputGradient ? dxp.start : nil,
                                              dWeights: parameterGradients ? dw.start : nil,
                                              dBias: parameterGradients && bias != nil ? db.start : nil)
                            }
                        }
                    }
                }
            }
        }
        if parameterGradients {
            let span = KernelProfiler.begin(.convolutionBackwardWeights); defer { span.end() }
            weight.grad.data.withUnsafeMutableBufferPointer { g in
                weightGradientScratch.withUnsafeBufferPointer { s in
                    Vectorized.update(g.start, with: s.start, count: g.count, { $0 + $1 }, { $0 + $1 })
                }
            }
            if let bias {
                for i in 0..<geometry.outChannels { bias.grad.data[i] += biasGradientScratch[i] }
            }
        }
        return inputGradient ? dx : nil
    }
}
