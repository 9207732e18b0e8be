import Alerts
// Step 5: the cascade model (EM with explaining away) and what it attributes to each pair.
import Foundation

extension Analysis {
    /// 5. EM: attribute every event to one of its candidate causes or to the background
    /// (a Hawkes process with a flat kernel over maxLag). Common causes and chains are
    /// explained away because the stronger, more frequent explanation takes the credit.
    mutating func attribute() {
        let first = evTime.first ?? 0, last = evTime.last ?? 0
        span = max(last - first, s.maxLag * 10)
        alpha = [Double](repeating: 0, count: pairCountTotal)
        for p in 0..<pairCountTotal { alpha[p] = min(1, Double(pairSlots[p]) / max(1, nodeOpportunities[Int(pairCause[p])])) }
        bgW = [Double](repeating: 0, count: nodeCount)
        for n in 0..<nodeCount { bgW[n] = nodeEvents[n] / span * s.maxLag }
        mass = [Double](repeating: 0, count: pairCountTotal)
        // Per-pair lag kernel, as density × maxLag (1 = flat over the window).
        kernel = [Double](repeating: 1, count: pairCountTotal * binCount)
        massBin = [Double](repeating: 0, count: pairCountTotal * binCount)
        let totalWidth = binWidth.reduce(0, +)
        bgMass = [Double](repeating: 0, count: nodeCount)
        // The EM works on local arrays (moved out of self and back): its inner loop reads the
        // candidate tables in self while it writes these.
        var mass = self.mass; self.mass = []
        var massBin = self.massBin; self.massBin = []
        var massRel = self.massRel; self.massRel = []
        var bgMass = self.bgMass; self.bgMass = []
        var alpha = self.alpha; self.alpha = []
        var kernel = self.kernel; self.kernel = []
        var markShare = self.markShare; self.markShare = []
        var bgW = self.bgW; self.bgW = []
        for iter in 0..<max(1, s.iterations) {
            for p in 0..<pairCountTotal { mass[p] = 0 }
            for x in 0..<massBin.count { massBin[x] = 0 }
            for x in 0..<massRel.count { massRel[x] = 0 }
            for n in 0..<nodeCount { bgMass[n] = 0 }
            slots.withUnsafeBufferPointer { sl in
                slotBin.withUnsafeBufferPointer { sb in
                    alpha.withUnsafeBufferPointer { al in
                        kernel.withUnsafeBufferPointer { kn in
                            mass.withUnsafeMutableBufferPointer { ms in
                                massBin.withUnsafeMutableBufferPointer { mb in
                                    for i in 0..<evCount {
                                        let n = Int(evNode[i])
                                        let a = slotStart[i], b = slotStart[i + 1]
                                        var d = bgW[n]
                                        if marks {
                                            for k in a..<b {
                                                let p = Int(sl[k]); let r = Int(slotRel[k])
                                                let mark = r < 3 ? markShare[p &* 3 &+ r] / slotNull[k] : 1
                                                d += al[p] * kn[p &* binCount &+ Int(sb[k])] * mark
                                            }
                                        } else {
                                            for k in a..<b { let p = Int(sl[k]); d += al[p] * kn[p &* binCount &+ Int(sb[k])] }
                                        }
                                        let c = Int(evCluster[i])
                                        if d <= 0 { bgMass[n] += 1; continue }
                                        let w = clusterWeight[c] / d
                                        for k in a..<b {
                                            let p = Int(sl[k]), x = p &* binCount &+ Int(sb[k])
                                            var r = al[p] * kn[x] * w
                                            if marks {
                                                let rel = Int(slotRel[k])
                                                if rel < 3 { r *= markShare[p &* 3 &+ rel] / slotNull[k]; massRel[p &* 3 &+ rel] += r }
                                            }
                                            ms[p] += r; mb[x] += r
                                        }
                                        bgMass[n] += bgW[n] / d
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if s.lagKernel {
                for p in 0..<pairCountTotal {
                    let base = p * binCount
                    let total = mass[p] + s.kernelPrior
                    for b in 0..<binCount {
                        let share = (massBin[base + b] + s.kernelPrior * binWidth[b] / totalWidth) / total
                        kernel[base + b] = share / (binWidth[b] / totalWidth)
                    }
                }
            }
            if marks {
                for p in 0..<pairCountTotal where pairKnown[p] > 0 {
                    let known = massRel[p * 3] + massRel[p * 3 + 1] + massRel[p * 3 + 2]
                    for r in 0..<3 {
                        markShare[p * 3 + r] = (massRel[p * 3 + r] + s.localityPrior * pairNull[p * 3 + r]) / (known + s.localityPrior)
                    }
                }
            }
            let isLast = iter == max(1, s.iterations) - 1
            for p in 0..<pairCountTotal {
                let cut = isLast ? 0 : s.sparsity
                alpha[p] = min(1, max(0, mass[p] - cut) / max(1, nodeOpportunities[Int(pairCause[p])]))
            }
            for n in 0..<nodeCount { bgW[n] = bgMass[n] / span * s.maxLag }
        }
        self.mass = mass; self.massBin = massBin; self.massRel = massRel; self.bgMass = bgMass; self.alpha = alpha; self.kernel = kernel;
        self.markShare = markShare; self.bgW = bgW
    }

    /// 5a. Alerts attributed to each pair, not down-weighted by cluster size: how many alerts
    /// a pair explains (a hub's failure is a big cluster, and every caller in it counts).
    mutating func countRawMass() {
        rawMass = [Double](repeating: 0, count: pairCountTotal)
        for i in 0..<evCount {
            let n = Int(evNode[i]), a = slotStart[i], b = slotStart[i + 1]
            guard b > a else { continue }
            var d = bgW[n]
            var part = [Double](repeating: 0, count: b - a)
            for k in a..<b {
                let p = Int(slots[k])
                var r = alpha[p] * kernel[p * binCount + Int(slotBin[k])]
                if marks, Int(slotRel[k]) < 3 { r *= markShare[p * 3 + Int(slotRel[k])] / slotNull[k] }
                part[k - a] = r; d += r
            }
            guard d > 0 else { continue }
            for k in a..<b { rawMass[Int(slots[k])] += part[k - a] / d }
        }
    }
}
