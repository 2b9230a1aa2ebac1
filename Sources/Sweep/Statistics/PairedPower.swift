import Foundation

/// The power of a two-sided paired t-test and the number of paired seeds it needs: what "seeds to
/// decide" reports (statsmodels' `TTestPower`, the one-sample test on the differences).
///
/// With n pairs whose differences have mean `difference` and standard deviation `sd`, the statistic
/// is noncentral t with n - 1 degrees of freedom and noncentrality (difference / sd) * sqrt(n); the
/// test rejects when |T| exceeds Student's t quantile 1 - alpha / 2, so
///   power = P(T' > q) + P(T' < -q).
public enum PairedPower {
    /// The largest count `seedsToDecide` reports; beyond it, `.beyondCap`.
    public static let cap = 1000

    /// How many paired seeds a question needs.
    public enum Seeds: Equatable, Sendable {
        /// The smallest n (at least 2) with power at least the target.
        case count(Int)
        /// More than `cap`.
        case beyondCap
        /// The observed difference is zero (or the spread is zero and so is the difference): no
        /// number of seeds separates the two.
        case undefined
    }

    /// Power of the two-sided paired t-test at level `alpha` with `n` pairs and standardized effect
    /// `effect` = difference / sd.
    public static func power(effect: Double, n: Int, alpha: Double = 0.05) -> Double {
        precondition(n >= 2, "a paired t-test needs at least 2 pairs")
        let df = Double(n - 1)
        let q = StudentT.quantile(1 - alpha / 2, df: df)
        let ncp = abs(effect) * Double(n).squareRoot()
        return (1 - NoncentralT.cdf(q, df: df, noncentrality: ncp)) + NoncentralT.cdf(-q, df: df, noncentrality: ncp)
    }

    /// The paired seeds a two-sided paired t-test at `alpha` needs to reach `power` for a true mean
    /// difference `difference` whose pairs spread with standard deviation `sd`.
    public static func seedsToDecide(difference: Double, sd: Double, alpha: Double = 0.05, power target: Double = 0.8) -> Seeds {
        guard difference.isFinite, sd.isFinite, difference != 0 else { return .undefined }
        guard sd > 0 else { return .count(2) }
        let effect = difference / sd
        guard power(effect: effect, n: cap, alpha: alpha) >= target else { return .beyondCap }
        // Power grows with n: bisect for the first n that reaches the target.
        var low = 1, high = cap   // power(low) < target (or low = 1), power(high) >= target
        if power(effect: effect, n: 2, alpha: alpha) >= target { return .count(2) }
        low = 2
        while high - low > 1 {
            let mid = (low + high) / 2
            if power(effect: effect, n: mid, alpha: alpha) >= target { high = mid } else { low = mid }
        }
        return .count(high)
    }
}

/// The noncentral t distribution's CDF: T' = (Z + ncp) / sqrt(V / df) with V chi-square on df degrees
/// of freedom, so P(T' <= t) = E[Phi(t * U - ncp)] over U = sqrt(V / df), integrated numerically
/// (Simpson's rule, 4000 steps over U's bulk, +-14 spreads of it). Accurate to about 1e-9 for the
/// degrees of freedom and noncentralities power analysis meets (checked against SciPy's `nct`).
enum NoncentralT {
    static func cdf(_ t: Double, df: Double, noncentrality ncp: Double) -> Double {
        precondition(df > 0, "noncentral t needs positive degrees of freedom")
        // U = sqrt(V / df): density f(u) = 2 df u g(df u^2), g the chi-square density.
        let logNormaliser = log(2.0) + (df / 2) * log(df / 2) - lgamma(df / 2)
        func density(_ u: Double) -> Double {
            guard u > 0 else { return 0 }
            return exp(logNormaliser + (df - 1) * log(u) - df * u * u / 2)
        }
        // U's mode is sqrt((df - 1) / df) and its spread about 1 / sqrt(2 df); 14 spreads on either
        // side leave out less than e^-90 of it (for df = 1, U is half-normal: up to 9.9).
        let spread = 1 / (2 * df).squareRoot()
        let centre = df > 1 ? ((df - 1) / df).squareRoot() : 0
        let low = max(0, centre - 14 * spread), high = centre + 14 * spread
        let steps = 4000
        let h = (high - low) / Double(steps)
        var sum = 0.0
        for k in 0...steps {
            let u = low + Double(k) * h
            let weight: Double = k == 0 || k == steps ? 1 : (k % 2 == 1 ? 4 : 2)
            sum += weight * density(u) * normalCDF(t * u - ncp)
        }
        return min(1, max(0, sum * h / 3))
    }

    static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
}
