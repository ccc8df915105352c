package remind

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the image may have no zoneinfo: embed the database
)

// DefaultZone is the time zone of a learner who has not set one.
const DefaultZone = "UTC"

// maxZoneLen bounds zone names (the longest IANA name has 30 characters).
const maxZoneLen = 64

// zonesTxt lists the IANA zone names of Go's embedded database (from
// $GOROOT/lib/time/zoneinfo.zip, without "Factory"), one a line.
//
//go:embed zones.txt
var zonesTxt string

// zoneAliasesTxt maps names learners write that are not IANA names
// (Russian cities, "МСК", "PST") to IANA names; see the file.
//
//go:embed zone_aliases.txt
var zoneAliasesTxt string

var (
	zonesOnce sync.Once
	zoneByLow map[string]string   // lower-case name -> canonical name
	zoneByEnd map[string][]string // lower-case last element -> names
	zoneAlias map[string]string   // normalized alias -> IANA name
	locCache  sync.Map            // canonical name -> *time.Location
)

func zoneIndex() {
	zonesOnce.Do(func() {
		zoneByLow = make(map[string]string)
		zoneByEnd = make(map[string][]string)
		for _, name := range strings.Fields(zonesTxt) {
			low := strings.ToLower(name)
			zoneByLow[low] = name
			end := low[strings.LastIndexByte(low, '/')+1:]
			zoneByEnd[end] = append(zoneByEnd[end], name)
		}
		zoneAlias = make(map[string]string)
		for _, line := range strings.Split(zoneAliasesTxt, "\n") {
			alias, name, ok := strings.Cut(line, "\t")
			if !ok || strings.HasPrefix(alias, "#") {
				continue
			}
			zoneAlias[aliasKey(alias)] = strings.TrimSpace(name)
		}
	})
}

// aliasKey is how an alias is looked up: lower case, "ё" as "е", hyphens
// and runs of spaces as one space, a leading "г." (город) dropped.
func aliasKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, "ё", "е")
	s = strings.TrimPrefix(s, "г. ")
	s = strings.ReplaceAll(s, "-", " ")
	return strings.Join(strings.Fields(s), " ")
}

// offsetZone reads a fixed offset from UTC: "UTC+3", "GMT-5", "+03:00",
// "UTC+5:30". Its name is the canonical "UTC+03:00", which LoadLocation
// reads back.
func offsetZone(name string) (*time.Location, bool) {
	s := strings.ToUpper(strings.ReplaceAll(name, " ", ""))
	for _, p := range []string{"UTC", "GMT"} {
		s = strings.TrimPrefix(s, p)
	}
	if len(s) < 2 || s[0] != '+' && s[0] != '-' {
		return nil, false
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	}
	hs, ms, hasMin := strings.Cut(s[1:], ":")
	if !hasMin && len(hs) == 4 { // "+0530"
		hs, ms, hasMin = hs[:2], hs[2:], true
	}
	h, err := strconv.Atoi(hs)
	if err != nil || len(hs) > 2 || h > 14 {
		return nil, false
	}
	m := 0
	if hasMin {
		if m, err = strconv.Atoi(ms); err != nil || len(ms) != 2 || m != 0 && m != 30 && m != 45 {
			return nil, false
		}
	}
	if h == 0 && m == 0 {
		return time.UTC, true
	}
	off := sign * (h*3600 + m*60)
	canon := fmt.Sprintf("UTC%c%02d:%02d", "-+"[(sign+1)/2], h, m)
	return time.FixedZone(canon, off), true
}

// LoadLocation validates a time zone name given by a learner and loads it.
// It accepts IANA names in any letter case ("europe/berlin"), with spaces for
// underscores ("America/New York"), and a city alone when only one zone
// carries its name ("Berlin"); the returned location's String() is the
// canonical name, the one to store. It refuses "", "Local", paths and
// unknown names with an *InputError wrapping ErrBadZone.
func LoadLocation(name string) (*time.Location, error) {
	name = strings.TrimSpace(name)
	example := " Use a name like Europe/Berlin, America/New_York or Asia/Tokyo (list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)."
	switch {
	case name == "":
		return nil, inputErr(ErrBadZone, "Please name a time zone."+example)
	case len(name) > maxZoneLen:
		return nil, inputErr(ErrBadZone, "That time zone name is too long."+example)
	case strings.EqualFold(name, "local"):
		return nil, inputErr(ErrBadZone, "“Local” is the server's zone, not yours; please name your own time zone."+example)
	case strings.Contains(name, ".."), strings.HasPrefix(name, "/"), strings.HasSuffix(name, "/"), strings.Contains(name, "//"):
		return nil, inputErr(ErrBadZone, fmt.Sprintf("%s is not a time zone name.", quote(name))+example)
	}
	zoneIndex()
	if canon, ok := zoneAlias[aliasKey(name)]; ok {
		name = canon
	} else if loc, ok := offsetZone(name); ok {
		// "UTC+3", "GMT-5": hours ahead of UTC, as people write them.
		// IANA's "GMT-5" (found as Etc/GMT-5) means the opposite, five
		// hours ahead: only its full name "Etc/GMT-5" gets that meaning.
		// Zero offsets keep IANA's own names ("GMT+0").
		if _, isZone := canonicalZone(name); loc != time.UTC || !isZone {
			return loc, nil
		}
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/_-+ ", r)) {
			return nil, inputErr(ErrBadZone, fmt.Sprintf("%s is not a time zone name.", quote(name))+example)
		}
	}
	canon, ok := canonicalZone(name)
	if !ok {
		return nil, unknownZone(name, example)
	}
	if loc, ok := locCache.Load(canon); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(canon)
	if err != nil {
		return nil, unknownZone(name, example)
	}
	locCache.Store(canon, loc)
	return loc, nil
}

// canonicalZone maps a learner's spelling to an IANA name.
func canonicalZone(name string) (string, bool) {
	zoneIndex()
	low := strings.ToLower(strings.ReplaceAll(name, " ", "_"))
	if c, ok := zoneByLow[low]; ok {
		return c, true
	}
	if !strings.Contains(low, "/") {
		if c := zoneByEnd[low]; len(c) == 1 {
			return c[0], true
		}
	}
	return "", false
}

func unknownZone(name, example string) error {
	zoneIndex()
	low := strings.ToLower(strings.ReplaceAll(name, " ", "_"))
	end := low[strings.LastIndexByte(low, '/')+1:]
	if c := zoneByEnd[end]; len(c) > 1 {
		c = append([]string(nil), c...)
		sort.Strings(c)
		if len(c) > 4 {
			c = c[:4]
		}
		return inputErr(ErrBadZone, fmt.Sprintf("%s could be %s: please give the full name.", quote(name), strings.Join(c, ", ")))
	}
	return inputErr(ErrBadZone, fmt.Sprintf("I don't know the time zone %s.", quote(name))+example)
}
