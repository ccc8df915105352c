package console

import (
	"strings"
	"testing"

	"tutorbot/bot"
)

// TestImageNotPrinted: a terminal shows an image's name and size, never
// its bytes; a text file is printed after its name.
func TestImageNotPrinted(t *testing.T) {
	img := fileText("", &bot.File{Name: "funnel.png", Data: []byte("\x89PNG\r\n\x1a\nbinary"), Image: true})
	if strings.Contains(img, "PNG") || !strings.Contains(img, "funnel.png") || !strings.Contains(img, "14 bytes") {
		t.Errorf("image: %q", img)
	}
	txt := fileText("", &bot.File{Name: "data.json", Data: []byte(`{"a":1}`)})
	if !strings.Contains(txt, `{"a":1}`) {
		t.Errorf("text file: %q", txt)
	}
	if ru := fileText("ru", &bot.File{Name: "funnel.png", Data: []byte("x"), Image: true}); !strings.Contains(ru, "изображение") {
		t.Errorf("Russian: %q", ru)
	}
}
