/// The direct, loop-by-loop convolution kept beside the fast path as its test oracle.
///
/// Straight from the definition, accumulating in double precision; no im2col, no GEMM.
public enum NaiveConv2d {
    /// x: [N, inC, H, W], weight: [outC, inC, k, k], bias: [outC]? -> y: [N, outC, outH, outW]
    public static func forward(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry g: ConvGeometry) -> Tensor {
        let (n, c, h, w) = x.nchw
        let outH = g.outputSize(h), outW = g.outputSize(w), k = g.kernelSize
        var y = Tensor(shape: [n, g.outChannels, outH, outW])
        for i in 0..<n {
            for o in 0..<g.outChannels {
                for oh in 0..<outH {
                    for ow in 0..<outW {
                        var s = Double(bias?.data[o] ?? 0)
                        for ci in 0..<c {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let ih = oh * g.stride - g.padding + ki * g.dilation
                                    let iw = ow * g.stride - g.padding + kj * g.dilation
                                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                    s += Double(x.data[((i * c + ci) * h + ih) * w + iw])
                                        * Double(weight.data[((o * c + ci) * k + ki) * k + kj])
                                }
                            }
                        }
                        y.data[((i * g.outChannels + o) * outH + oh) * outW + ow] = Float(s)
                    }
                }
            }
        }
        return y
    }

    /// The gradients of sum(y * dy) with respect to x, weight and bias.
    public static func backward(_ x: Tensor, weight: Tensor, dy: Tensor, geometry g: ConvGeometry)
        -> (dx: Tensor, dweight: Tensor, dbias: Tensor) {
        let (n, c, h, w) = x.nchw
        let outH = g.outputSize(h), outW = g.outputSize(w), k = g.kernelSize
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: weight.count)
        var db = [Double](repeating: 0, count: g.outChannels)
        for i in 0..<n {
            for o in 0..<g.outChannels {
                for oh in 0..<outH {
                    for ow in 0..<outW {
                        let d = Double(dy.data[((i * g.outChannels + o) * outH + oh) * outW + ow])
                        db[o] += d
                        for ci in 0..<c {
                            for ki in 0..<k {
                                for kj in 0..<k {
                                    let ih = oh * g.stride - g.padding + ki * g.dilation
                                    let iw = ow * g.stride - g.padding + kj * g.dilation
                                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                    let xi = ((i * c + ci) * h + ih) * w + iw
                                    let wi = ((o * c + ci) * k + ki) * k + kj
                                    dx[xi] += d * Double(weight.data[wi])
                                    dw[wi] += d * Double(x.data[xi])
                                }
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(shape: x.shape, data: dx.map { Float($0) }),
                Tensor(shape: weight.shape, data: dw.map { Float($0) }),
                Tensor(shape: [g.outChannels], data: db.map { Float($0) }))
    }
}
