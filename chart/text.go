package chart

import (
	"image"
	"image/color"
	"math"

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
	faces  map[faceKey]xfont.Face
}

type faceKey struct {
	font *opentype.Font
	size vg.Length
}

func newTextCanvas(c *vgimg.Canvas, img *image.RGBA) *textCanvas {
	_, h := c.Size()
	dpi := float64(c.DPI())
	return &textCanvas{
		Canvas: c, img: img, dpi: dpi, height: h.Dots(dpi),
		colors: []color.Color{color.Black}, moved: []bool{false},
		faces: map[faceKey]xfont.Face{},
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
	k := faceKey{f.Face, f.Font.Size}
	face, ok := c.faces[k]
	if !ok {
		face = f.FontFace(c.dpi)
		c.faces[k] = face
	}
	d := xfont.Drawer{
		Dst:  c.img,
		Src:  image.NewUniform(c.colors[len(c.colors)-1]),
		Face: face,
		Dot: fixed.Point26_6{
			X: fixed.Int26_6(math.Round(pt.X.Dots(c.dpi) * 64)),
			Y: fixed.Int26_6(math.Round((c.height - pt.Y.Dots(c.dpi)) * 64)),
		},
	}
	d.DrawString(s)
}

// close releases the faces.
func (c *textCanvas) close() {
	for _, f := range c.faces {
		f.Close()
	}
}
