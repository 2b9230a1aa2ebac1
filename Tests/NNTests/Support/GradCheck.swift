import NN
import TestSupport
import Testing

/// Central-difference gradient checking of a function of several tensors.
///
/// The scalar checked is L = sum(f(tensors) * r) for a fixed random r, accumulated in double precision,
/// so dL/dy = r plays the upstream gradient. Every element of every tensor is perturbed by +-eps and
/// the numeric derivative (L+ - L-) / 2eps is compared with the analytic gradient under
/// `Tolerance.backward`. Each check also proves it can fail: the same comparison must reject the
/// analytic gradient scaled by 1 + 10*tolerance and the gradient with its largest element shifted.
struct GradCheck {
    /// Runs the function on the given tensors.
    let forward: ([Tensor]) -> Tensor
    /// Runs forward then backward with upstream gradient `dy`; returns one gradient per tensor.
    let backward: ([Tensor], Tensor) -> [Tensor]
    var eps: Float = 1e-2

    /// Checks every tensor's gradient; `names` label the tensors in failure messages.
    func run(_ label: String, tensors: [Tensor], names: [String], seed: UInt64 = 42) {
        var generator = SeededGenerator(seed: seed)
        let y0 = forward(tensors)
        var r = Tensor(shape: y0.shape)
        for i in 0..<r.count { r.data[i] = generator.nextNormal() }
        let analytic = backward(tensors, r)
        #expect(analytic.count == tensors.count, "\(label): one gradient per tensor")

        func loss(_ t: [Tensor]) -> Double {
            let y = forward(t)
            var s = 0.0
            for i in 0..<y.count { s += Double(y.data[i]) * Double(r.data[i]) }
            return s
        }

        for (index, tensor) in tensors.enumerated() {
            var numeric = Tensor(shape: tensor.shape)
            var perturbed = tensors
            for i in 0..<tensor.count {
                let original = tensor.data[i]
                perturbed[index].data[i] = original + eps
                let plus = loss(perturbed)
                perturbed[index].data[i] = original - eps
                let minus = loss(perturbed)
                perturbed[index].data[i] = original
                numeric.data[i] = Float((plus - minus) / (2 * Double(eps)))
            }
            let name = "\(label) d/d\(names[index])"
            let error = Tolerance.error(analytic[index], numeric)
            #expect(error <= Tolerance.backward, "\(name): error \(error) against central differences")

            // The check must be able to fail: a 1% scale error and one wrong element are both caught.
            var scaled = analytic[index]
            for i in 0..<scaled.count { scaled.data[i] *= 1 + 10 * Tolerance.backward }
            #expect(Tolerance.error(scaled, numeric) > Tolerance.backward, "\(name): a 1% scale error went unnoticed")
            var shifted = analytic[index]
            if let worst = shifted.data.indices.max(by: { abs(shifted.data[$0]) < abs(shifted.data[$1]) }) {
                shifted.data[worst] += 10 * Tolerance.backward * max(numeric.maxAbs, 1e-3)
            }
            #expect(Tolerance.error(shifted, numeric) > Tolerance.backward, "\(name): one wrong element went unnoticed")
        }
    }
}

/// Random normal test data from a seed.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1, awayFromZero: Float = 0) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    var t = Tensor(shape: shape)
    for i in 0..<t.count {
        var v = generator.nextNormal() * scale
        if abs(v) < awayFromZero { v += v < 0 ? -awayFromZero : awayFromZero }
        t.data[i] = v
    }
    return t
}
