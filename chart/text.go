package chart

import (
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"

	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"
)

// textCanvas is an image canvas that draws unrotated, untranslated text
// straight onto its pixels, glyph by glyph with image/draw's fast path for
// a uniform colour through a glyph mask, and keeps one font face per font
// and size for the whole chart. vgimg draws every glyph through a general
// affine transform with bilinear filtering and makes a new face for every
// string, which was a third of the chart's time. Text under a rotation,
// translation or scale still goes through vgimg.
type textCanvas struct {
	*vgimg.Canvas
	img    *image.RGBA
	dpi    float64
	height float64 // in dots
	// colors and moved are per Push level: the colour set, and whether
	// a transform was applied.
	colors []color.Color
	moved  []bool
}

func newTextCanvas(c *vgimg.Canvas, img *image.RGBA) *textCanvas {
	_, h := c.Size()
	dpi := float64(c.DPI())
	return &textCanvas{
		Canvas: c, img: img, dpi: dpi, height: h.Dots(dpi),
		colors: []color.Color{color.Black}, moved: []bool{false},
	}
}

// SetColor implements vg.Canvas.
func (c *textCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	c.colors[len(c.colors)-1] = clr
	c.Canvas.SetColor(clr)
}

// Push implements vg.Canvas.
func (c *textCanvas) Push() {
	c.colors = append(c.colors, c.colors[len(c.colors)-1])
	c.moved = append(c.moved, c.moved[len(c.moved)-1])
	c.Canvas.Push()
}

// Pop implements vg.Canvas.
func (c *textCanvas) Pop() {
	if len(c.colors) > 1 {
		c.colors = c.colors[:len(c.colors)-1]
		c.moved = c.moved[:len(c.moved)-1]
	}
	c.Canvas.Pop()
}

// Rotate implements vg.Canvas.
func (c *textCanvas) Rotate(t float64) {
	c.moved[len(c.moved)-1] = true
	c.Canvas.Rotate(t)
}

// Translate implements vg.Canvas.
func (c *textCanvas) Translate(pt vg.Point) {
	c.moved[len(c.moved)-1] = true
	c.Canvas.Translate(pt)
}

// Scale implements vg.Canvas.
func (c *textCanvas) Scale(x, y float64) {
	c.moved[len(c.moved)-1] = true
	c.Canvas.Scale(x, y)
}

// FillString implements vg.Canvas: the same placement as vgimg's, the
// baseline at pt.
func (c *textCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if f.Font.Size == 0 {
		return
	}
	if c.moved[len(c.moved)-1] || f.Face == nil {
		c.Canvas.FillString(f, pt, s)
		return
	}
	d := xfont.Drawer{
		Dst:  c.img,
		Src:  image.NewUniform(c.colors[len(c.colors)-1]),
		Face: sharedFace(f, c.dpi),
		Dot: fixed.Point26_6{
			X: fixed.Int26_6(math.Round(pt.X.Dots(c.dpi) * 64)),
			Y: fixed.Int26_6(math.Round((c.height - pt.Y.Dots(c.dpi)) * 64)),
		},
	}
	d.DrawString(s)
}

// faces are the font faces every chart draws with, one per font, size
// and resolution, each with every glyph it rasterized.
var faces = struct {
	sync.Mutex
	m map[faceKey]*cachedFace
}{m: map[faceKey]*cachedFace{}}

type faceKey struct {
	font *opentype.Font
	size vg.Length
	dpi  float64
}

// sharedFace is the face of f at dpi, shared by every chart.
func sharedFace(f font.Face, dpi float64) *cachedFace {
	k := faceKey{f.Face, f.Font.Size, dpi}
	faces.Lock()
	defer faces.Unlock()
	face, ok := faces.m[k]
	if !ok {
		face = &cachedFace{face: f.FontFace(dpi), glyphs: map[glyphKey]glyph{}}
		faces.m[k] = face
	}
	return face
}

// cachedFace is a font face that keeps every glyph it rasterized, at a
// quarter-pixel horizontal position on a whole-pixel baseline: charts
// write the same few dozen characters hundreds of times. It is safe for
// concurrent use (an opentype face is not).
type cachedFace struct {
	mu     sync.Mutex
	face   xfont.Face
	glyphs map[glyphKey]glyph
}

var _ xfont.Face = (*cachedFace)(nil)

type glyphKey struct {
	r  rune
	fx fixed.Int26_6 // the dot's fraction of a pixel, in quarters
}

type glyph struct {
	dr      image.Rectangle // relative to the dot's whole pixel
	mask    *image.Alpha
	advance fixed.Int26_6
	ok      bool
}

// Glyph implements font.Face. The mask it returns is never changed.
func (f *cachedFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	ix, iy := dot.X.Floor(), dot.Y.Round()
	k := glyphKey{r: r, fx: (dot.X - fixed.I(ix)) &^ 15}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.glyphs[k]
	if !ok {
		dr, mask, mp, advance, found := f.face.Glyph(fixed.Point26_6{X: k.fx}, r)
		g = glyph{dr: dr, mask: image.NewAlpha(image.Rectangle{Max: dr.Size()}), advance: advance, ok: found}
		if found && mask != nil {
			// The face reuses its mask for the next glyph: keep a copy.
			draw.Draw(g.mask, g.mask.Bounds(), mask, mp, draw.Src)
		}
		f.glyphs[k] = g
	}
	return g.dr.Add(image.Pt(ix, iy)), g.mask, image.Point{}, g.advance, g.ok
}

// GlyphBounds implements font.Face.
func (f *cachedFace) GlyphBounds(r rune) (fixed.Rectangle26_6, fixed.Int26_6, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.face.GlyphBounds(r)
}

// GlyphAdvance implements font.Face.
func (f *cachedFace) GlyphAdvance(r rune) (fixed.Int26_6, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.face.GlyphAdvance(r)
}

// Kern implements font.Face.
func (f *cachedFace) Kern(r0, r1 rune) fixed.Int26_6 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.face.Kern(r0, r1)
}

// Metrics implements font.Face.
func (f *cachedFace) Metrics() xfont.Metrics {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.face.Metrics()
}

// Close implements font.Face: a shared face stays open.
func (f *cachedFace) Close() error { return nil }
