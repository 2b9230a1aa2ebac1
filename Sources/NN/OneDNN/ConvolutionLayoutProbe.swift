import CDNNL

/// What oneDNN dispatches to on this CPU: its instruction set and the activation layout its
/// convolutions choose. Both depend on the CPU (nChw16c with AVX-512, nChw8c with AVX2), so tests and
/// benchmarks report them rather than assume them.
public enum ConvolutionLayoutProbe {
    /// The instruction set oneDNN's JIT kernels use here, e.g. "avx512_core" or "avx2".
    public static var isa: String {
        let isa = dnnl_get_effective_cpu_isa()
        let names: [(dnnl_cpu_isa_t, String)] = [
            (dnnl_cpu_isa_avx512_core_amx, "avx512_core_amx"), (dnnl_cpu_isa_avx512_core_bf16, "avx512_core_bf16"),
            (dnnl_cpu_isa_avx512_core_vnni, "avx512_core_vnni"), (dnnl_cpu_isa_avx512_core, "avx512_core"),
            (dnnl_cpu_isa_avx2_vnni, "avx2_vnni"), (dnnl_cpu_isa_avx2, "avx2"), (dnnl_cpu_isa_avx, "avx"),
            (dnnl_cpu_isa_sse41, "sse41"),
        ]
        return names.first { $0.0 == isa }?.1 ?? "isa \(isa.rawValue)"
    }

    /// The layout oneDNN's forward convolution picks for its input when free to choose, for the
    /// backbone's shape (3x3, 16 -> 32 channels, 32x32 images); nil when it is none of `Tensor.Layout`.
    public static let activationLayout: Tensor.Layout? = {
        let g = ConvGeometry(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 1, padding: 1, dilation: 1)
        let input = [2, 16, 32, 32]
        var source = DNNL.descriptor(input, dnnl_format_tag_any)
        var weights = DNNL.descriptor([32, 16, 3, 3], dnnl_format_tag_any)
        var destination = DNNL.descriptor(g.outputShape(input: input), dnnl_format_tag_any)
        let window = DNNL.ConvolutionWindow(g, input: input)
        var desc = dnnl_convolution_desc_t()
        DNNL.check(dnnl_dilated_convolution_forward_desc_init(
            &desc, dnnl_forward_training, dnnl_convolution_direct, &source, &weights, nil, &destination,
            window.strides, window.dilates, window.padLeft, window.padRight), "probe descriptor")
        var pd: dnnl_primitive_desc_t?
        DNNL.check(dnnl_primitive_desc_create(&pd, &desc, nil, DNNL.engine.handle, nil), "probe primitive descriptor")
        guard let pd else { preconditionFailure("oneDNN returned no primitive descriptor") }
        defer { dnnl_primitive_desc_destroy(pd) }
        guard let chosen = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0)?.pointee else { return nil }
        return [Tensor.Layout.blocked16, .blocked8, .nchw].first { DNNL.same(chosen, DNNL.descriptor(input, DNNL.formatTag($0))) }
    }()
}
