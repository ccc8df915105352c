// Package chart draws the course funnel as a PNG an operator can read on a
// phone: how many learners reached each step of the course (pages, lessons,
// quizzes taken and passed) as horizontal bars, and how often each option of
// every quiz question was chosen. It knows nothing of learners or storage:
// callers count, chart draws.
package chart

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"unicode/utf8"

	"git.sr.ht/~sbinet/gg"
	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Funnel is what the chart shows. Labels are already in the reader's
// language; the chart adds only numbers.
type Funnel struct {
	// Title is the course title, Subtitle a second header line (the date,
	// a cohort's name).
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	// Steps are the funnel's bars, top to bottom.
	Steps []Step `json:"steps"`
	// Questions are the quiz questions with their options' counts.
	Questions []Question `json:"questions"`
}

// Step is one bar of the funnel: how many learners got that far.
type Step struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// Question is one quiz question and how often each option was chosen.
type Question struct {
	Label   string   `json:"label"`
	Options []Option `json:"options"`
}

// Option is one answer option's count; Correct options are drawn green.
// Its Key ("A") labels its bar; the full Label ("A. Vision and
// multilingualism") is written out above the bars, wrapped, so that a long
// option is read whole rather than cut to fit beside its bar.
type Option struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Count   int    `json:"count"`
	Correct bool   `json:"correct,omitempty"`
}

// The image is 1080 pixels wide (a phone screen's width in device pixels)
// and its type is large enough to read there without zooming.
const (
	dpi       = 144
	width     = 7.5 * vg.Inch // 1080 px at dpi
	rowHeight = 0.36 * vg.Inch
	headH     = 0.95 * vg.Inch
	titleH    = 0.5 * vg.Inch
	gapH      = 0.2 * vg.Inch
	bodySize  = 15 // points
	headSize  = 20
	labelMax  = 24 // characters of a bar's label
	titleMax  = 46 // characters of a line of a question's title
	optionMax = 62 // characters of a line of an option's text
)

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
	barBlue  = color.RGBA{R: 0x2b, G: 0x6c, B: 0xb0, A: 0xff}
	barGreen = color.RGBA{R: 0x2e, G: 0x8b, B: 0x57, A: 0xff}
	barGrey  = color.RGBA{R: 0x9a, G: 0xa5, B: 0xb1, A: 0xff}
	inkGrey  = color.RGBA{R: 0x44, G: 0x44, B: 0x44, A: 0xff}
)

// Size is the chart's size in pixels.
func (f Funnel) Size() (w, h int) {
	return px(width), px(f.height())
}

func px(l vg.Length) int { return int(l.Dots(dpi) + 0.5) }

func (f Funnel) height() vg.Length {
	h := headH + vg.Length(len(headLines(f.Title))-1)*titleH*0.8 + panelHeight(len(f.Steps), 1)
	for _, q := range f.Questions {
		h += gapH + panelHeight(len(q.Options), len(titleLines(q.Label))) + vg.Length(len(optionLines(q)))*lineH
	}
	return h
}

// lineH is the height of a line of an option's text.
const lineH = 0.3 * vg.Inch

// optionLine is a line of the options written out above a question's
// bars.
type optionLine struct {
	text    string
	correct bool
}

// optionLines are the options of q written out, each wrapped into at most
// two lines of optionMax characters.
func optionLines(q Question) []optionLine {
	var out []optionLine
	for _, o := range q.Options {
		for _, l := range wrap(o.Label, optionMax) {
			out = append(out, optionLine{text: l, correct: o.Correct})
		}
	}
	return out
}

// panelHeight is the height of a bar panel with n bars under a title of
// lines lines.
func panelHeight(n, lines int) vg.Length {
	if n == 0 {
		n = 1
	}
	return vg.Length(lines)*titleH*0.6 + titleH*0.4 + vg.Length(n)*rowHeight + 0.15*vg.Inch
}

// PNG draws the chart and writes it as a PNG.
func (f Funnel) PNG(w io.Writer) error {
	img, err := f.draw(dpi)
	if err != nil {
		return err
	}
	return encode(w, paletted(img), png.BestSpeed)
}

// encode writes img as a PNG at the given compression level.
func encode(w io.Writer, img image.Image, level png.CompressionLevel) error {
	enc := png.Encoder{CompressionLevel: level}
	if err := enc.Encode(w, img); err != nil {
		return fmt.Errorf("encode chart: %w", err)
	}
	return nil
}

// draw draws the chart at dpi dots per inch.
func (f Funnel) draw(dpi int) (*image.RGBA, error) {
	// The canvas draws on img itself: vgimg.UseWH would allocate an
	// image and then copy it for its graphic context.
	img := image.NewRGBA(image.Rect(0, 0, int(width.Dots(float64(dpi))+0.5), int(f.height().Dots(float64(dpi))+0.5)))
	gc := gg.NewContextForRGBA(img)
	gc.SetLineCapButt()
	gc.InvertY()
	vc := vgimg.NewWith(vgimg.UseImageWithContext(img, gc), vgimg.UseDPI(dpi)) // white by default
	c := newTextCanvas(vc, img)
	dc := draw.New(c)
	top := dc.Max.Y

	// Header: the course title and the subtitle.
	head := text.Style{Color: color.Black, Font: font.From(sansBold, headSize), Handler: plot.DefaultTextHandler, YAlign: draw.YTop}
	sub := text.Style{Color: inkGrey, Font: font.From(sans, bodySize), Handler: plot.DefaultTextHandler, YAlign: draw.YTop}
	left := dc.Min.X + 0.2*vg.Inch
	for _, line := range headLines(f.Title) {
		dc.FillText(head, vg.Point{X: left, Y: top - 0.12*vg.Inch}, line)
		top -= titleH * 0.8
	}
	dc.FillText(sub, vg.Point{X: left, Y: top + titleH*0.8 - 0.55*vg.Inch}, clip(f.Subtitle, 60))
	top -= headH - titleH*0.8

	steps := make([]bar, len(f.Steps))
	first := 0
	if len(f.Steps) > 0 {
		first = f.Steps[0].Count
	}
	for i, s := range f.Steps {
		steps[i] = bar{label: s.Label, count: s.Count, color: barBlue, note: percent(s.Count, first)}
	}
	h := panelHeight(len(steps), 1)
	if err := drawPanel(dc, top, h, nil, nil, steps); err != nil {
		return nil, err
	}
	top -= h
	for _, q := range f.Questions {
		top -= gapH
		total := 0
		for _, o := range q.Options {
			total += o.Count
		}
		bars := make([]bar, len(q.Options))
		for i, o := range q.Options {
			col := barGrey
			if o.Correct {
				col = barGreen
			}
			key := o.Key
			if key == "" {
				key = o.Label
			}
			bars[i] = bar{label: key, count: o.Count, color: col, note: percent(o.Count, total)}
		}
		lines := titleLines(q.Label)
		h := panelHeight(len(bars), len(lines))
		opts := optionLines(q)
		if err := drawPanel(dc, top, h+vg.Length(len(opts))*lineH, lines, opts, bars); err != nil {
			return nil, err
		}
		top -= h + vg.Length(len(opts))*lineH
	}
	return img, nil
}

// Bytes draws the chart as PNG bytes.
func (f Funnel) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := f.PNG(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

type bar struct {
	label string
	count int
	color color.Color
	note  string
}

// drawPanel draws one horizontal bar chart into the band of dc from top
// down h, with the title lines and the options' lines above it.
func drawPanel(dc draw.Canvas, top, h vg.Length, title []string, opts []optionLine, bars []bar) error {
	style := text.Style{Color: color.Black, Font: font.From(sansBold, bodySize), Handler: plot.DefaultTextHandler, YAlign: draw.YTop}
	for _, line := range title {
		dc.FillText(style, vg.Point{X: dc.Min.X + 0.2*vg.Inch, Y: top}, line)
		top -= titleH * 0.6
		h -= titleH * 0.6
	}
	plain := text.Style{Color: color.Black, Font: font.From(sans, bodySize), Handler: plot.DefaultTextHandler, YAlign: draw.YTop}
	right := text.Style{Color: barGreen, Font: font.From(sansBold, bodySize), Handler: plot.DefaultTextHandler, YAlign: draw.YTop}
	for _, line := range opts {
		st := plain
		if line.correct {
			st = right
		}
		dc.FillText(st, vg.Point{X: dc.Min.X + 0.35*vg.Inch, Y: top}, line.text)
		top -= lineH
		h -= lineH
	}
	p := plot.New()
	p.BackgroundColor = nil // the canvas is white already
	p.Y.Tick.Label.Font = font.From(sans, bodySize)
	p.HideX()
	if len(bars) == 0 {
		bars = []bar{{label: "-", color: barGrey}}
	}
	n := len(bars)
	names := make([]string, n)
	max := 0
	for i, b := range bars {
		names[n-1-i] = clip(b.label, labelMax)
		if b.count > max {
			max = b.count
		}
	}
	p.NominalY(names...)
	p.X.Min = 0
	p.X.Max = float64(max) * 1.45
	if max == 0 {
		p.X.Max = 1
	}
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	labels := plotter.XYLabels{XYs: make(plotter.XYs, n), Labels: make([]string, n)}
	for i, b := range bars {
		y := float64(n - 1 - i)
		if b.count > 0 {
			bc, err := plotter.NewBarChart(plotter.Values{float64(b.count)}, rowHeight*0.7)
			if err != nil {
				return fmt.Errorf("chart bars: %w", err)
			}
			bc.XMin = y // one bar, at its row
			bc.Horizontal = true
			bc.Color = b.color
			bc.LineStyle.Width = 0
			p.Add(bc)
		}
		labels.XYs[i] = plotter.XY{X: float64(b.count), Y: y}
		labels.Labels[i] = fmt.Sprintf("%d%s", b.count, b.note)
	}
	lp, err := plotter.NewLabels(labels)
	if err != nil {
		return fmt.Errorf("chart labels: %w", err)
	}
	for i := range lp.TextStyle {
		lp.TextStyle[i].Font = font.From(sans, bodySize)
		lp.TextStyle[i].YAlign = draw.YCenter
		lp.TextStyle[i].Color = inkGrey
	}
	lp.Offset = vg.Point{X: 0.08 * vg.Inch}
	p.Add(lp)
	band := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: dc.Min.X + 0.1*vg.Inch, Y: top - h},
		Max: vg.Point{X: dc.Max.X - 0.15*vg.Inch, Y: top},
	}}
	p.Draw(band)
	return nil
}

// percent is " (n%)" of n in total, or nothing when total is zero.
func percent(n, total int) string {
	if total == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d%%)", (100*n+total/2)/total)
}

// clip shortens s to at most n characters, with an ellipsis.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// headLines wraps the course title into at most two lines.
func headLines(s string) []string { return wrap(s, 38) }

// titleLines wraps a question's title into at most two lines.
func titleLines(s string) []string { return wrap(s, titleMax) }

// wrap breaks s into at most two lines of at most max characters.
func wrap(s string, max int) []string {
	words := strings.Fields(s)
	var lines []string
	cur := ""
	for _, w := range words {
		if cur != "" && utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) > max {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > 2 {
		lines = append(lines[:1], clip(strings.Join(lines[1:], " "), max))
	}
	if len(lines) == 0 {
		lines = []string{""}
	}
	return lines
}

// palette is every colour the chart draws with, and 40 shades of each
// blended into the white background (anti-aliased edges of text and bars).
var palette = func() color.Palette {
	p := color.Palette{color.White}
	for _, ink := range []color.RGBA{{A: 0xff}, inkGrey, barBlue, barGreen, barGrey} {
		for k := 1; k <= 40; k++ {
			t := float64(k) / 40
			mix := func(c uint8) uint8 { return uint8(float64(c)*t + 255*(1-t) + 0.5) }
			p = append(p, color.RGBA{R: mix(ink.R), G: mix(ink.G), B: mix(ink.B), A: 0xff})
		}
	}
	return p
}()

// paletted converts an opaque chart image to the chart's palette, each
// pixel to the nearest colour. A paletted PNG is a third of the data to
// compress and needs no per-row filter search, which makes encoding
// several times faster than RGBA.
func paletted(src *image.RGBA) *image.Paletted {
	b := src.Bounds()
	dst := image.NewPaletted(b, palette)
	index := make(map[uint32]uint8, 1024)
	var last uint32 // no pixel: every one is opaque, its alpha byte 0xff
	var lastIdx uint8
	w := b.Dx()
	for y := 0; y < b.Dy(); y++ {
		row := src.Pix[y*src.Stride : y*src.Stride+4*w]
		out := dst.Pix[y*dst.Stride : y*dst.Stride+w]
		for x := 0; x < w; x++ {
			// Most of the chart is white background (palette index 0,
			// which NewPaletted's zeroed pixels already hold): skip it
			// two pixels at a time.
			for x+1 < w && binary.LittleEndian.Uint64(row[4*x:]) == 1<<64-1 {
				x += 2
			}
			if x >= w {
				break
			}
			key := binary.LittleEndian.Uint32(row[4*x:])
			if key != last {
				i, ok := index[key]
				if !ok {
					i = uint8(palette.Index(color.RGBA{R: uint8(key), G: uint8(key >> 8), B: uint8(key >> 16), A: 0xff}))
					index[key] = i
				}
				last, lastIdx = key, i
			}
			out[x] = lastIdx
		}
	}
	return dst
}
