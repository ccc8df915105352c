package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFormatNamesAndLimits(t *testing.T) {
	tests := []struct {
		f     Format
		name  string
		limit int
	}{
		{Plain, "plain", 4096},
		{TelegramHTML, "telegram", 4096},
		{DiscordMarkdown, "discord", 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.f.Limit(); got != tt.limit {
				t.Errorf("Limit() = %d, want %d", got, tt.limit)
			}
		})
	}
}

type golden struct {
	name string
	md   string
	want string
}

func runGolden(t *testing.T, f Format, tests []golden) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.md, f)
			if got != tt.want {
				t.Errorf("Render(%q, %v)\n got: %q\nwant: %q", tt.md, f, got, tt.want)
			}
			if f == TelegramHTML && strings.TrimSpace(got) != "" {
				if err := ValidateTelegramHTML(got); err != nil {
					t.Errorf("output not valid for Telegram: %v\n%s", err, got)
				}
			}
		})
	}
}

func TestRenderTelegram(t *testing.T) {
	runGolden(t, TelegramHTML, []golden{
		{"empty", "  \n\n ", ""},
		{"heading", "# Title\ntext", "<b>Title</b>\n\ntext"},
		{"heading levels", "## Two\n\n### Three", "<b>Two</b>\n\n<b>Three</b>"},
		{"setext heading", "Line one\nline two\n===", "<b>Line one line two</b>"},
		{"paragraphs", "one\n\n\n\ntwo", "one\n\ntwo"},
		{"soft break kept", "a\nb", "a\nb"},
		{"hard break", "a  \nb\\\nc", "a\nb\nc"},
		{"emphasis", "*i* _i_ **b** __b__ ~~s~~", "<i>i</i> <i>i</i> <b>b</b> <b>b</b> <s>s</s>"},
		{"nested emphasis", "***both***", "<i><b>both</b></i>"},
		{"inline code escaped", "use `a<b && c>d`", "use <code>a&lt;b &amp;&amp; c&gt;d</code>"},
		{"text escaped", "5 < 6 & 7 > 2 \"q\"", "5 &lt; 6 &amp; 7 &gt; 2 \"q\""},
		{"entities decoded then escaped", "&amp; &lt; &copy; &#65;", "&amp; &lt; © A"},
		{"backslash escapes", `\*not\* \<b\>`, "*not* &lt;b&gt;"},
		{"bullets", "- a\n- b", "• a\n• b"},
		{"nested bullets", "- a\n  - b\n    - c\n- d", "• a\n  ◦ b\n    ▪ c\n• d"},
		{"ordered", "3. a\n4. b", "3. a\n4. b"},
		{"loose list", "- a\n\n- b", "• a\n\n• b"},
		{"list item with two paragraphs", "- a\n\n  more\n- b", "• a\n\n  more\n\n• b"},
		{"fenced code with language", "```go\nif a < b && c > d {}\n```", `<pre><code class="language-go">if a &lt; b &amp;&amp; c &gt; d {}</code></pre>`},
		{"fenced code without language", "```\nx := 1\n```", "<pre><code>x := 1</code></pre>"},
		{"language sanitized", "```go\"><script>\nx\n```", `<pre><code class="language-goscript">x</code></pre>`},
		{"indented code", "    a <b>\n    c", "<pre><code>a &lt;b&gt;\nc</code></pre>"},
		{"empty code block dropped", "```\n```\n\ntext", "text"},
		{"link", "[site](https://example.com/?a=1&b=2)", `<a href="https://example.com/?a=1&amp;b=2">site</a>`},
		{"link quote in url", `[q](https://e.com/"x")`, `<a href="https://e.com/%22x%22">q</a>`},
		{"link tg scheme", "[me](tg://resolve?domain=x)", `<a href="tg://resolve?domain=x">me</a>`},
		{"mailto", "[mail](mailto:a@b.c)", `<a href="mailto:a@b.c">mail</a>`},
		{"javascript link dropped", "[click](javascript:alert(1))", "click"},
		{"relative link dropped", "[doc](/docs)", "doc"},
		{"empty link text shows url", "[](https://e.com)", `<a href="https://e.com">https://e.com</a>`},
		{"code in link flattened", "[`x`](https://e.com)", `<a href="https://e.com">x</a>`},
		{"autolink", "<https://e.com>", `<a href="https://e.com">https://e.com</a>`},
		{"bare url", "see https://e.com/a_b.", `see <a href="https://e.com/a_b">https://e.com/a_b</a>.`},
		{"image", "![a cat](https://e.com/c.png)", `<a href="https://e.com/c.png">a cat</a>`},
		{"image without alt", "![](https://e.com/c.png)", `<a href="https://e.com/c.png">https://e.com/c.png</a>`},
		{"script injection", "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"unclosed tag injection", "<b>unclosed", "&lt;b&gt;unclosed"},
		{"inline html injection", "a <i>b</i> <a href=x>c", "a &lt;i&gt;b&lt;/i&gt; &lt;a href=x&gt;c"},
		{"blockquote", "> quote *x*\n>\n> more", "<blockquote>quote <i>x</i>\n\nmore</blockquote>"},
		{"nested blockquote flattened", "> a\n> > b", "<blockquote>a\n\nb</blockquote>"},
		{"thematic break", "a\n\n---\n\nb", "a\n\n———\n\nb"},
		{"emoji", "hi 👋🏽 **🎉**", "hi 👋🏽 <b>🎉</b>"},
		{"rtl", "שלום **עולם** مرحبا", "שלום <b>עולם</b> مرحبا"},
		{"invalid utf8", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"control characters", "a\x00b\x07c\x1bd\r\ne\u0085f\tg", "abcd\nef\tg"},
		{"numeric entity control dropped", "a&#7;b", "ab"},
		{"strikethrough needs two tildes", "~one~ ~~two~~", "<s>one</s> <s>two</s>"},
	})
}

func TestRenderDiscord(t *testing.T) {
	runGolden(t, DiscordMarkdown, []golden{
		{"empty", "\n", ""},
		{"h1", "# Title", "## Title"},
		{"h2", "## Sub", "## Sub"},
		{"h3+", "### Three\n\n###### Six", "### Three\n\n### Six"},
		{"emphasis", "*i* **b** ~~s~~", "*i* **b** ~~s~~"},
		{"markup in text escaped", `a\*b\_c\~d\|e\\f`, `a\*b\_c\~d\|e\\f`},
		{"backtick escaped", "x \\` y", "x \\` y"},
		{"snake case escaped", "my_var_name", `my\_var\_name`},
		{"leading markers escaped", `\# not heading` + "\n" + `\> not quote` + "\n" + `\- not list` + "\n" + `1\. not list`, `\# not heading` + "\n" + `\> not quote` + "\n" + `\- not list` + "\n" + `1\. not list`},
		{"inner dash kept", "well-known #1 > 2", "well-known #1 > 2"},
		{"mentions broken", "@everyone and @here", "@\u200beveryone and @\u200bhere"},
		{"user mention escaped", "<@123>", `\<@123>`},
		{"spoiler escaped", "||secret||", `\|\|secret\|\|`},
		{"brackets escaped", `\[x](http://e.com)`, `\[x\](<http://e.com>)`},
		{"bullets", "- a\n  - b\n- c", "- a\n  - b\n- c"},
		{"ordered", "1. a\n2. b", "1. a\n2. b"},
		{"code block", "```python\nprint('``` <x>')\n```", "```python\nprint('`\u200b`\u200b` <x>')\n```"},
		{"code block without language", "    x = 1", "```\nx = 1\n```"},
		{"inline code", "use `x*y`", "use `x*y`"},
		{"inline code with backtick", "``a`b``", "``a`b``"},
		{"inline code starting with backtick", "`` `a ``", "`` `a ``"},
		{"link", "[site](https://e.com/a_b)", "[site](<https://e.com/a_b>)"},
		{"link text escaped", "[a_b](https://e.com)", `[a\_b](<https://e.com>)`},
		{"link space encoded", "[x](<https://e.com/a b>)", "[x](<https://e.com/a%20b>)"},
		{"bare url", "see https://e.com/a_b", "see <https://e.com/a_b>"},
		{"javascript link dropped", "[click](javascript:alert(1))", "click"},
		{"image", "![alt](https://e.com/i.png)", "[alt](<https://e.com/i.png>)"},
		{"raw html escaped", "<script>alert(1)</script>", `\<script>alert(1)\</script>`},
		{"blockquote", "> a\n>\n> b", "> a\n>\n> b"},
		{"nested blockquote flattened", "> a\n> > b", "> a\n>\n> b"},
		{"emoji and rtl", "👍 שלום", "👍 שלום"},
		{"invalid utf8", "\xff", "\uFFFD"},
	})
}

func TestRenderPlain(t *testing.T) {
	runGolden(t, Plain, []golden{
		{"h1", "# Title", "Title\n====="},
		{"h2", "## Sub title", "Sub title\n---------"},
		{"h3", "### Three", "Three\n-----"},
		{"heading underline counts runes", "# Привет 👋", "Привет 👋\n========"},
		{"emphasis dropped", "*i* **b** ~~s~~ `c`", "i b s c"},
		{"no escaping", "a_b *c* <x> & y", "a_b c <x> & y"},
		{"bullets", "- a\n- b", "  • a\n  • b"},
		{"nested bullets", "- a\n  - b", "  • a\n    ◦ b"},
		{"ordered", "1. a\n2. b", "  1. a\n  2. b"},
		{"code indented", "```go\nx := 1\n\ny := 2\n```", "    x := 1\n\n    y := 2"},
		{"link", "[site](https://e.com)", "site (https://e.com)"},
		{"link text is url", "[https://e.com](https://e.com)", "https://e.com"},
		{"autolink", "<https://e.com>", "https://e.com"},
		{"bad scheme", "[x](ftp://e.com)", "x"},
		{"image", "![cat](https://e.com/c.png)", "cat (https://e.com/c.png)"},
		{"raw html kept as text", "<b>unclosed", "<b>unclosed"},
		{"blockquote", "> a", "> a"},
		{"thematic break", "---", "———"},
		{"blank lines collapsed", "a\n\n\n\n```\nx\n\n\n\ny\n```", "a\n\n    x\n\n    y"},
		{"invalid utf8", "ok\xc3\x28", "ok\uFFFD("},
	})
}

func TestLength(t *testing.T) {
	tests := []struct {
		name string
		s    string
		f    Format
		want int
	}{
		{"telegram tags not counted", "<b>ab</b>", TelegramHTML, 2},
		{"telegram entities count once", "&lt;&gt;&amp;&quot;", TelegramHTML, 4},
		{"telegram numeric entity", "&#128512;", TelegramHTML, 2},
		{"telegram emoji is two units", "👋", TelegramHTML, 2},
		{"telegram skin tone emoji", "👋🏽", TelegramHTML, 4},
		{"telegram bmp rune is one unit", "щ€", TelegramHTML, 2},
		{"telegram attributes not counted", `<a href="https://e.com">e</a>`, TelegramHTML, 1},
		{"discord runes", "**👋**", DiscordMarkdown, 5},
		{"plain runes", "👋щ", Plain, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Length(tt.s, tt.f); got != tt.want {
				t.Errorf("Length(%q, %v) = %d, want %d", tt.s, tt.f, got, tt.want)
			}
		})
	}
}

func TestStrip(t *testing.T) {
	tests := []struct {
		name string
		md   string
		f    Format
		want string
	}{
		{"telegram", "**a** < `b` [c](https://e.com)", TelegramHTML, "a < b c"},
		{"discord", "## T\n\n**a** *b* ~~c~~ `d*` my_var [e](https://e.com) @everyone", DiscordMarkdown, "T\n\na b c d* my_var e @everyone"},
		{"discord code block", "```go\nx := `a`\n```", DiscordMarkdown, "x := `a`"},
		{"discord quote", "> q", DiscordMarkdown, "q"},
		{"plain", "**a**", Plain, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Strip(Render(tt.md, tt.f), tt.f); got != tt.want {
				t.Errorf("Strip(Render(%q)) = %q, want %q", tt.md, got, tt.want)
			}
		})
	}
}

func TestValidateTelegramHTML(t *testing.T) {
	tests := []struct {
		name string
		s    string
		ok   bool
	}{
		{"plain text", "hello", true},
		{"all tags", `<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del><tg-spoiler>t</tg-spoiler><span class="tg-spoiler">p</span><blockquote>q</blockquote>`, true},
		{"link", `<a href="https://e.com/?a=1&amp;b=&quot;">x</a>`, true},
		{"pre code language", `<pre><code class="language-go">x</code></pre>`, true},
		{"nested formatting", "<b><i>x</i></b>", true},
		{"entities", "&lt;&gt;&amp;&quot;&#65;&#x1F600;", true},
		{"empty", "", false},
		{"only spaces", " \n ", false},
		{"only tags", "<b></b>", false},
		{"unknown tag", "<script>x</script>", false},
		{"br not allowed", "a<br>b", false},
		{"unclosed", "<b>x", false},
		{"misnested", "<b><i>x</b></i>", false},
		{"stray close", "x</b>", false},
		{"bare less than", "a < b", false},
		{"bare greater than", "a > b", false},
		{"bare ampersand", "a & b", false},
		{"unknown named entity", "&copy;", false},
		{"zero numeric entity", "&#0;", false},
		{"unterminated entity", "&amp", false},
		{"attribute not allowed", `<b class="x">y</b>`, false},
		{"onclick", `<a href="https://e.com" onclick="x">y</a>`, false},
		{"a without href", "<a>y</a>", false},
		{"unquoted attribute", "<a href=https://e.com>y</a>", false},
		{"span without spoiler class", `<span class="x">y</span>`, false},
		{"tag inside code", "<code><b>x</b></code>", false},
		{"nested link", `<a href="https://a.b"><a href="https://c.d">x</a></a>`, false},
		{"nested blockquote", "<blockquote><blockquote>x</blockquote></blockquote>", false},
		{"bold inside pre", "<pre><b>x</b></pre>", false},
		{"invalid utf8", "a\xffb", false},
		{"4096 emoji units", strings.Repeat("👋", 2048), true},
		{"4097 units", strings.Repeat("👋", 2048) + "a", false},
		{"4096 entities", strings.Repeat("&amp;", 4096), true},
		{"text after a blank tag", "<b> </b>x", true},
		{"4097 units across tags", "<b>" + strings.Repeat("a", 4000) + "</b><i>" + strings.Repeat("b", 97) + "</i>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTelegramHTML(tt.s)
			if (err == nil) != tt.ok {
				t.Errorf("ValidateTelegramHTML(%.60q) = %v, want ok=%v", tt.s, err, tt.ok)
			}
		})
	}
}

// TestRenderOutputInvariants checks the rules every output obeys.
func TestRenderOutputInvariants(t *testing.T) {
	inputs := []string{
		"a\n\n\n\n\nb",
		"  lead and trail  \n\n",
		"x\x01y\x7fz\u009f",
		"- a\n\n\n\n- b",
		"```\n\n\n\ncode\n\n\n\n```",
		"\xff\xfe\xfd",
		"> \n> \n> x\n> \n> ",
	}
	for _, f := range []Format{Plain, TelegramHTML, DiscordMarkdown} {
		for _, in := range inputs {
			got := Render(in, f)
			if !utf8.ValidString(got) {
				t.Errorf("%v: Render(%q) not valid UTF-8", f, in)
			}
			if got != strings.TrimSpace(got) && (f != Plain || got != strings.TrimRight(got, " \t\n") || strings.HasPrefix(got, "\n")) {
				t.Errorf("%v: Render(%q) = %q not trimmed", f, in, got)
			}
			if strings.Contains(got, "\n\n\n") {
				t.Errorf("%v: Render(%q) = %q has two blank lines in a row", f, in, got)
			}
			for _, r := range got {
				if r != '\n' && r != '\t' && (r < 0x20 || r >= 0x7f && r < 0xa0) {
					t.Errorf("%v: Render(%q) = %q has control %U", f, in, got, r)
				}
			}
		}
	}
}
