package main

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// toolStyle gives each tool the same colour and marker on every plot.
var toolStyle = map[string]struct {
	color color.Color
	shape draw.GlyphDrawer
}{
	"slipway": {color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, draw.CircleGlyph{}},
	"gorm":    {color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, draw.SquareGlyph{}},
	"bun":     {color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, draw.TriangleGlyph{}},
	"blind":   {color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, draw.CrossGlyph{}},
}

// plotAll draws, for each database in rows, noop-<db>.png and
// cold-<db>.png: time against models, both on log scales, one line per tool
// through the sizes it completed.
func plotAll(dir string, rows []row) error {
	for _, db := range dbOrder {
		for _, run := range runOrder {
			var rs []row
			for _, r := range rows {
				if r.DB == db && r.Run == run {
					rs = append(rs, r)
				}
			}
			if len(rs) == 0 {
				continue
			}
			path := filepath.Join(dir, fmt.Sprintf("%s-%s.png", run, db))
			if err := plotRun(path, db, run, rs); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
	}
	return nil
}

func plotRun(path, db, run string, rs []row) error {
	p := plot.New()
	what := "no-op start, on the already-actual database (median)"
	if run == "cold" {
		what = "cold run, on an empty database"
	}
	p.Title.Text = fmt.Sprintf("%s %s: %s", name(dbNames, db), shortVersion(rs[0].Version), what)
	p.X.Label.Text = "models (tables)"
	p.Y.Label.Text = "time (ms)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true

	var sizes []int
	var xticks []plot.Tick
	for _, r := range rs {
		if !slices.Contains(sizes, r.Models) {
			sizes = append(sizes, r.Models)
		}
	}
	slices.Sort(sizes)
	for _, n := range sizes {
		xticks = append(xticks, plot.Tick{Value: float64(n), Label: fmt.Sprint(n)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(xticks)
	if len(sizes) > 0 {
		p.X.Min, p.X.Max = float64(sizes[0])*0.8, float64(sizes[len(sizes)-1])*1.25
	}

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range rs {
		if r.Status == "ok" && r.MedianMS > 0 {
			lo, hi = min(lo, r.MedianMS), max(hi, r.MedianMS)
		}
	}
	if hi > 0 {
		// Room above the lines for the legend, in the top left corner.
		p.Y.Min, p.Y.Max = lo/1.5, hi*6
	}

	for _, tool := range toolOrder {
		var xys plotter.XYs
		for _, r := range rs {
			if r.Tool == tool && r.Status == "ok" && r.MedianMS > 0 {
				xys = append(xys, plotter.XY{X: float64(r.Models), Y: r.MedianMS})
			}
		}
		if len(xys) == 0 {
			continue
		}
		slices.SortFunc(xys, func(a, b plotter.XY) int { return int(a.X - b.X) })
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		st := toolStyle[tool]
		line.Color, line.Width = st.color, vg.Points(1.5)
		points.Color, points.Shape, points.Radius = st.color, st.shape, vg.Points(3)
		p.Add(line, points)
		p.Legend.Add(name(toolNames, tool), line, points)
	}
	return p.Save(18*vg.Centimeter, 11*vg.Centimeter, path)
}

// shortVersion is a server's version number without the distribution's
// suffixes: "15.20 (Debian ...)" is 15.20, "10.11.19-MariaDB-0+deb12u1"
// 10.11.19.
func shortVersion(v string) string {
	v, _, _ = strings.Cut(v, " ")
	v, _, _ = strings.Cut(v, "-")
	return v
}
