// Command benchratio compares the client's benchmarks with their floors.
//
// It reads the output of
//
//	go test -run '^$' -bench . -benchmem [-count=N] ./participant/
//
// on stdin, echoes it, and then prints:
//
//   - the median ns/op, B/op, allocs/op (and conns/op when reported) of every
//     SendMessage_<Suffix> benchmark and its floor Floor_<Suffix>;
//   - per pair, the ratios client/floor of ns/op, B/op and allocs/op, and the
//     extra allocations (client - floor);
//   - the median ns/op of the Validate_* benchmarks;
//   - the performance targets, each marked PASS, MISS or SKIP (not run).
//
// It is a report, not a gate: it exits 0 whatever the numbers, and 1 only
// when the input holds no benchmark results (or cannot be read).
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Units of the go test -bench output that the report reads.
const (
	unitNs     = "ns/op"
	unitBytes  = "B/op"
	unitAllocs = "allocs/op"
	unitConns  = "conns/op"
)

// Benchmark name prefixes.
const (
	clientPrefix   = "SendMessage_"
	validatePrefix = "Validate_"
)

// families pair client benchmarks with their floors: client+<Suffix> with
// floor+<Suffix>, reported as pair label+<Suffix>.
var families = []struct{ client, floor, label string }{
	{clientPrefix, "Floor_", ""},
	{"GetTranscript_", "FloorTranscript_", "Transcript"},
}

// The targets of the issue.
const (
	maxNoNetNsRatio     = 1.2  // client ns/op ≤ 1.2 × floor, no network
	maxNoNetExtraAllocs = 6    // client allocs/op ≤ floor + 6, no network
	maxTranscriptRatio  = 1.3  // GetTranscript of 100 items ≤ 1.3 × floor, no network
	maxNoNetBytesRatio  = 2.0  // client B/op ≤ 2 × floor, no network
	maxNetNsRatio       = 1.15 // client ns/op ≤ 1.15 × floor, loopback and parallel
	maxConnsPerOp       = 0.01 // parallel client opens < 0.01 connections per call
	maxValidate12KiBNs  = 2000 // Validate_12KiB ≤ 2000 ns/op
)

func main() {
	os.Exit(run(os.Stdin, os.Stdout, os.Stderr))
}

// run echoes in to stdout, then writes the report there. It returns the exit
// code: 0 after a report, 1 when in holds no benchmark results.
func run(in io.Reader, stdout, stderr io.Writer) int {
	res, err := parse(in, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "benchratio: reading the benchmark output: %v\n", err)
		return 1
	}
	if len(res.order) == 0 {
		fmt.Fprintln(stderr, "benchratio: no benchmark results on stdin; pipe in the output of go test -run '^$' -bench . -benchmem ./participant/")
		return 1
	}
	report(stdout, res)
	return 0
}

// results holds every value each benchmark reported, per unit, across runs.
type results struct {
	order []string                        // benchmark names, first seen first
	runs  map[string]map[string][]float64 // name → unit → one value per run
}

// median returns the median of the values name reported in unit, and whether
// there were any.
func (r *results) median(name, unit string) (float64, bool) {
	return median(r.runs[name][unit])
}

// count returns how many result lines name had.
func (r *results) count(name string) int {
	return len(r.runs[name][unitNs])
}

// procsSuffix is the -GOMAXPROCS suffix go test appends to benchmark names.
var procsSuffix = regexp.MustCompile(`-\d+$`)

// parse reads go test -bench output, copying every line to echo as it
// arrives, and collects the result lines: "BenchmarkName-P  N  v unit  v unit…".
func parse(in io.Reader, echo io.Writer) (*results, error) {
	res := &results{runs: map[string]map[string][]float64{}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(echo, line)
		name, values, ok := parseLine(line)
		if !ok {
			continue
		}
		units, seen := res.runs[name]
		if !seen {
			units = map[string][]float64{}
			res.runs[name] = units
			res.order = append(res.order, name)
		}
		for unit, v := range values {
			units[unit] = append(units[unit], v)
		}
	}
	return res, sc.Err()
}

// parseLine reads one result line. It returns the benchmark's name without
// the "Benchmark" prefix and the -GOMAXPROCS suffix, and its value per unit;
// ok is false for any other line.
func parseLine(line string) (name string, values map[string]float64, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") || len(fields)%2 != 0 {
		return "", nil, false
	}
	if _, err := strconv.ParseInt(fields[1], 10, 64); err != nil {
		return "", nil, false
	}
	values = make(map[string]float64, (len(fields)-2)/2)
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return "", nil, false
		}
		values[fields[i+1]] = v
	}
	if _, hasNs := values[unitNs]; !hasNs {
		return "", nil, false
	}
	name = procsSuffix.ReplaceAllString(strings.TrimPrefix(fields[0], "Benchmark"), "")
	return name, values, true
}

// median returns the middle value of vs (the mean of the two middle ones for
// an even count), and false when vs is empty.
func median(vs []float64) (float64, bool) {
	if len(vs) == 0 {
		return 0, false
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid], true
	}
	return (s[mid-1] + s[mid]) / 2, true
}

// side is the medians of one benchmark.
type side struct {
	name              string
	runs              int
	ns, bytes, allocs float64
	conns             float64
	hasMem, hasConns  bool
}

// pair is a client benchmark and its floor, with the ratios client/floor.
type pair struct {
	suffix        string
	client, floor side
	nsRatio       float64
	bytesRatio    float64
	allocsRatio   float64
	allocsDiff    float64
}

func medians(r *results, name string) side {
	s := side{name: name, runs: r.count(name)}
	s.ns, _ = r.median(name, unitNs)
	b, okB := r.median(name, unitBytes)
	a, okA := r.median(name, unitAllocs)
	s.bytes, s.allocs, s.hasMem = b, a, okB && okA
	s.conns, s.hasConns = r.median(name, unitConns)
	return s
}

// pairs returns every client benchmark that has its floor, in the order the
// client benchmarks ran. A GetTranscript pair's suffix is "Transcript" plus
// the benchmark's own, e.g. TranscriptNoNet.
func pairs(r *results) []pair {
	var ps []pair
	for _, name := range r.order {
		for _, fam := range families {
			suffix, isClient := strings.CutPrefix(name, fam.client)
			if !isClient {
				continue
			}
			if _, hasFloor := r.runs[fam.floor+suffix]; !hasFloor {
				continue
			}
			c, f := medians(r, name), medians(r, fam.floor+suffix)
			ps = append(ps, pair{
				suffix:      fam.label + suffix,
				client:      c,
				floor:       f,
				nsRatio:     ratio(c.ns, f.ns),
				bytesRatio:  ratio(c.bytes, f.bytes),
				allocsRatio: ratio(c.allocs, f.allocs),
				allocsDiff:  c.allocs - f.allocs,
			})
		}
	}
	return ps
}

// ratio returns a/b, with 0/0 = 1 (both sides equally free) and x/0 = +Inf.
func ratio(a, b float64) float64 {
	if b == 0 {
		if a == 0 {
			return 1
		}
		return a / b // +Inf
	}
	return a / b
}

// verdict is one target's outcome.
type verdict struct {
	status string // "PASS", "MISS" or "SKIP"
	text   string
}

func passOrMiss(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// checkTargets holds the medians to the targets. A target whose
// benchmark did not run is SKIP.
func checkTargets(r *results, ps []pair) []verdict {
	bySuffix := map[string]pair{}
	for _, p := range ps {
		bySuffix[p.suffix] = p
	}
	var vs []verdict
	skip := func(what string) {
		vs = append(vs, verdict{"SKIP", what + ": benchmark not run"})
	}

	if p, ok := bySuffix["NoNet"]; ok {
		vs = append(vs, verdict{passOrMiss(p.nsRatio <= maxNoNetNsRatio),
			fmt.Sprintf("NoNet ns/op ratio %.3f (target ≤ %g)", p.nsRatio, maxNoNetNsRatio)})
		if p.client.hasMem && p.floor.hasMem {
			vs = append(vs, verdict{passOrMiss(p.allocsDiff <= maxNoNetExtraAllocs),
				fmt.Sprintf("NoNet allocs/op %s, floor %s, diff %+g (target ≤ floor + %d)",
					num(p.client.allocs), num(p.floor.allocs), p.allocsDiff, maxNoNetExtraAllocs)})
			vs = append(vs, verdict{passOrMiss(p.bytesRatio <= maxNoNetBytesRatio),
				fmt.Sprintf("NoNet B/op ratio %.3f (target ≤ %g)", p.bytesRatio, maxNoNetBytesRatio)})
		} else {
			skip("NoNet allocs/op and B/op (run with -benchmem)")
		}
	} else {
		skip("NoNet pair")
	}

	if p, ok := bySuffix["TranscriptNoNet"]; ok {
		vs = append(vs, verdict{passOrMiss(p.nsRatio <= maxTranscriptRatio),
			fmt.Sprintf("GetTranscript NoNet (100 items) ns/op ratio %.3f (target ≤ %g)", p.nsRatio, maxTranscriptRatio)})
	} else {
		skip("GetTranscript NoNet pair")
	}

	for _, suffix := range []string{"Loopback", "Parallel"} {
		if p, ok := bySuffix[suffix]; ok {
			vs = append(vs, verdict{passOrMiss(p.nsRatio <= maxNetNsRatio),
				fmt.Sprintf("%s ns/op ratio %.3f (target ≤ %g)", suffix, p.nsRatio, maxNetNsRatio)})
		} else {
			skip(suffix + " pair")
		}
	}

	if c, ok := r.median(clientPrefix+"Parallel", unitConns); ok {
		vs = append(vs, verdict{passOrMiss(c < maxConnsPerOp),
			fmt.Sprintf("Parallel client conns/op %s (target < %g)", connsNum(c), maxConnsPerOp)})
	} else {
		skip("Parallel client conns/op")
	}

	if ns, ok := r.median(validatePrefix+"12KiB", unitNs); ok {
		vs = append(vs, verdict{passOrMiss(ns <= maxValidate12KiBNs),
			fmt.Sprintf("Validate_12KiB %s ns/op (target ≤ %d)", nsNum(ns), maxValidate12KiBNs)})
	} else {
		skip("Validate_12KiB")
	}
	return vs
}

// report writes the tables and the targets.
func report(w io.Writer, r *results) {
	ps := pairs(r)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "== benchratio: medians, client (SendMessage_*, GetTranscript_*) vs floor (Floor_*, FloorTranscript_*)")
	if len(ps) == 0 {
		fmt.Fprintln(w, "no client/floor pairs (SendMessage_<X> / Floor_<X>, GetTranscript_<X> / FloorTranscript_<X>) in the input")
	} else {
		var names []string
		for _, p := range ps {
			names = append(names, p.client.name, p.floor.name)
		}
		col := leftColumn("benchmark", names)
		tw := newTable(w)
		fmt.Fprintf(tw, "%s\truns\tns/op\tB/op\tallocs/op\tconns/op\t\n", col("benchmark"))
		for _, p := range ps {
			for _, s := range []side{p.client, p.floor} {
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", col(s.name), s.runs, nsNum(s.ns),
					memNum(s.bytes, s.hasMem), memNum(s.allocs, s.hasMem), sideConns(s))
			}
		}
		tw.Flush()

		fmt.Fprintln(w)
		fmt.Fprintln(w, "== benchratio: client/floor")
		var suffixes []string
		for _, p := range ps {
			suffixes = append(suffixes, p.suffix)
		}
		col = leftColumn("pair", suffixes)
		tw = newTable(w)
		fmt.Fprintf(tw, "%s\tns/op\tB/op\tallocs/op\tallocs diff\t\n", col("pair"))
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%.3fx\t%.3fx\t%.3fx\t%+g\t\n", col(p.suffix), p.nsRatio, p.bytesRatio, p.allocsRatio, p.allocsDiff)
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "== benchratio: validation, medians")
	var validations []string
	for _, name := range r.order {
		if strings.HasPrefix(name, validatePrefix) {
			validations = append(validations, name)
		}
	}
	if len(validations) == 0 {
		fmt.Fprintln(w, "no Validate_* benchmarks in the input")
	} else {
		col := leftColumn("benchmark", validations)
		tw := newTable(w)
		fmt.Fprintf(tw, "%s\truns\tns/op\t\n", col("benchmark"))
		for _, name := range validations {
			ns, _ := r.median(name, unitNs)
			fmt.Fprintf(tw, "%s\t%d\t%s\t\n", col(name), r.count(name), nsNum(ns))
		}
		tw.Flush()
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "== benchratio: targets")
	for _, v := range checkTargets(r, ps) {
		fmt.Fprintf(w, "%s  %s\n", v.status, v.text)
	}
}

// newTable returns a writer of right-aligned columns; pad the first one with
// leftColumn to align it left.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
}

// leftColumn returns a function that pads a cell to the widest of header and
// cells, so that a right-aligned table shows that column aligned left.
func leftColumn(header string, cells []string) func(string) string {
	width := utf8.RuneCountInString(header)
	for _, c := range cells {
		width = max(width, utf8.RuneCountInString(c))
	}
	return func(s string) string { return fmt.Sprintf("%-*s", width, s) }
}

func sideConns(s side) string {
	if !s.hasConns {
		return "-"
	}
	return connsNum(s.conns)
}

// num formats a count such as B/op or allocs/op (a half when the median is
// the mean of two runs).
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// nsNum formats ns/op as go test does: whole nanoseconds from 100 up.
func nsNum(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func memNum(v float64, has bool) string {
	if !has {
		return "-"
	}
	return num(v)
}

// connsNum formats conns/op as go test does: a decimal, never an exponent.
func connsNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
