package practice

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// msg identifies a learner-facing text of the recommender. The texts live
// in message catalogs, one file per language (messages/<lang>.toml,
// embedded), written in each language rather than translated word for
// word; English is the fallback.
type msg string

//go:embed messages/*.toml
var messageFiles embed.FS

// messageCatalogs maps a language to its texts; loaded once.
var messageCatalogs = sync.OnceValues(func() (map[string]map[msg]string, error) {
	return loadMessages(messageFiles)
})

// loadMessages reads every messages/<lang>.toml of fsys.
func loadMessages(fsys fs.FS) (map[string]map[msg]string, error) {
	files, err := fs.Glob(fsys, "messages/*.toml")
	if err != nil {
		return nil, fmt.Errorf("load recommender messages: %w", err)
	}
	out := map[string]map[msg]string{}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("load recommender messages: %w", err)
		}
		var m map[string]string
		if err := toml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("load recommender messages %s: %w", f, err)
		}
		cat := make(map[msg]string, len(m))
		for k, v := range m {
			cat[msg(k)] = v
		}
		out[strings.TrimSuffix(path.Base(f), ".toml")] = cat
	}
	if out["en"] == nil {
		return nil, fmt.Errorf("load recommender messages: messages/en.toml is missing")
	}
	return out, nil
}

// tr returns message id in lang (English when lang has no such message),
// formatted with args. An unknown id comes back as itself, so a mistake
// shows as a key, never as a panic.
func tr(lang string, id msg, args ...any) string {
	cats, err := messageCatalogs()
	if err != nil {
		return string(id)
	}
	s, ok := cats[lang][id]
	if !ok {
		if s, ok = cats["en"][id]; !ok {
			return string(id)
		}
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
