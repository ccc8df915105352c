package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"strings"
)

// ErrDamaged is wrapped by every error that says the database file is
// damaged (as opposed to missing, locked or unreadable).
var ErrDamaged = errors.New("damaged")

// ErrNotDatabase is wrapped by the error for a file that is not a bbolt
// file at all: a wrong path, which is left untouched rather than "repaired".
var ErrNotDatabase = errors.New("not a tutorbot database (left untouched)")

// DamageError says what is wrong with a database file, in one line.
type DamageError struct {
	// Path is the file.
	Path string
	// Problem is what is wrong, one line.
	Problem string
}

// Error names the file and what is wrong with it, in one line.
func (e *DamageError) Error() string {
	return fmt.Sprintf("database %s is damaged: %s", e.Path, strings.Join(strings.Fields(e.Problem), " "))
}

// Unwrap makes errors.Is(err, ErrDamaged) hold.
func (e *DamageError) Unwrap() error { return ErrDamaged }

// The on-disk layout of a bbolt file (go.etcd.io/bbolt/internal/common),
// read here without bbolt so that a damaged file is refused before bbolt
// maps it: a page past the end of a truncated file is a SIGBUS in bbolt,
// not an error.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16 // id uint64, flags uint16, count uint16, overflow uint32
	branchElemSize   = 16 // pos uint32, ksize uint32, pgid uint64
	leafElemSize     = 16 // flags uint32, pos uint32, ksize uint32, vsize uint32
	bucketHeaderSize = 16 // root pgid uint64, sequence uint64
	metaSumEnd       = 56 // the checksum covers the meta's first 56 bytes

	flagBranch   = 0x01
	flagLeaf     = 0x02
	flagMeta     = 0x04
	flagFreelist = 0x10
	leafBucket   = 0x01

	noFreelist = ^uint64(0)
	// maxDepth bounds the walk: a B+tree of 2^64 keys is not this deep,
	// so deeper means a cycle.
	maxDepth = 64
)

// meta is a decoded meta page.
type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64 // high-water mark: pages in use, from 0
	txid     uint64
}

// parseMeta decodes and validates the meta at b (a page's bytes after its
// header).
func parseMeta(b []byte) (meta, error) {
	le := binary.LittleEndian
	if len(b) < 64 {
		return meta{}, errors.New("too short")
	}
	if le.Uint32(b[0:]) != boltMagic {
		return meta{}, errors.New("not a bbolt meta page")
	}
	if v := le.Uint32(b[4:]); v != boltVersion {
		return meta{}, fmt.Errorf("bbolt format version %d, want %d", v, boltVersion)
	}
	h := fnv.New64a()
	h.Write(b[:metaSumEnd])
	if h.Sum64() != le.Uint64(b[56:]) {
		return meta{}, errors.New("checksum mismatch")
	}
	m := meta{pageSize: le.Uint32(b[8:]), root: le.Uint64(b[16:]), freelist: le.Uint64(b[32:]), hwm: le.Uint64(b[40:]), txid: le.Uint64(b[48:])}
	switch {
	case m.pageSize < 1024 || m.pageSize > 1<<16 || m.pageSize&(m.pageSize-1) != 0:
		return meta{}, fmt.Errorf("page size %d", m.pageSize)
	case m.hwm < 3:
		return meta{}, fmt.Errorf("high-water mark %d", m.hwm)
	case m.root < 2 || m.root >= m.hwm:
		return meta{}, fmt.Errorf("root page %d outside 2..%d", m.root, m.hwm-1)
	case m.freelist != noFreelist && (m.freelist < 2 || m.freelist >= m.hwm):
		return meta{}, fmt.Errorf("freelist page %d outside 2..%d", m.freelist, m.hwm-1)
	}
	return m, nil
}

// Verify checks the file at path against its meta pages without mapping
// it: both meta pages valid, the file as long as the high-water mark says,
// and every page reachable from the newest meta (the bucket tree and the
// freelist) inside the file, of the right type, with its elements inside
// the page and referenced once. It reads every page in use once. An empty
// file passes (bbolt initialises it). The error is a *DamageError for a
// damaged file, or says why the file could not be read.
func Verify(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("open database %s: is a directory", path)
	}
	if st.Size() == 0 {
		return nil
	}
	data, unmap, err := mapFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("read database %s: %w", path, err)
	}
	defer unmap()
	// The file is locked by the caller; should it shrink anyway, reading
	// the mapping past its end faults, and guarded turns that into an error.
	var verr error
	if err := guarded(path, "verifying", func() error { verr = verify(path, data); return nil }); err != nil {
		return err
	}
	return verr
}

// verify checks the bytes of a database file.
func verify(path string, data []byte) error {
	v := &verifier{data: data, size: int64(len(data))}
	if problem := v.run(); problem != "" {
		if v.notBolt {
			return fmt.Errorf("open database %s: %w", path, ErrNotDatabase)
		}
		return &DamageError{Path: path, Problem: problem}
	}
	return nil
}

type verifier struct {
	data     []byte // the whole file
	size     int64
	pageSize int64
	hwm      uint64
	seen     []uint64 // bitset of pages referenced so far
	notBolt  bool     // neither meta page carries bbolt's magic number
}

// run returns the first problem found, or "".
func (v *verifier) run() string {
	// Meta 0 is at offset 0; its page size places meta 1.
	if v.size < pageHeaderSize+64 {
		return fmt.Sprintf("file is only %d bytes, shorter than a meta page", v.size)
	}
	head := v.data[:pageHeaderSize+64]
	magic0 := binary.LittleEndian.Uint32(head[pageHeaderSize:]) == boltMagic
	m0, err0 := parseMeta(head[pageHeaderSize:])
	pageSize := int64(4096) // without meta 0, the usual page size
	if err0 == nil {
		pageSize = int64(m0.pageSize)
	}
	if v.size < 2*pageSize {
		if !magic0 {
			v.notBolt = true
		}
		return fmt.Sprintf("file is only %d bytes, shorter than its two %d-byte meta pages (truncated)", v.size, pageSize)
	}
	head = v.data[pageSize : pageSize+pageHeaderSize+64]
	if !magic0 && binary.LittleEndian.Uint32(head[pageHeaderSize:]) != boltMagic {
		v.notBolt = true
		return "no bbolt meta page"
	}
	m1, err1 := parseMeta(head[pageHeaderSize:])
	switch {
	case err0 != nil && err1 != nil:
		return fmt.Sprintf("both meta pages are invalid (page 0: %v; page 1: %v)", err0, err1)
	case err0 != nil:
		return fmt.Sprintf("meta page 0 is invalid: %v", err0)
	case err1 != nil:
		return fmt.Sprintf("meta page 1 is invalid: %v", err1)
	case m0.pageSize != m1.pageSize:
		return fmt.Sprintf("the meta pages disagree on the page size (%d and %d)", m0.pageSize, m1.pageSize)
	}
	m := m0
	if m1.txid > m0.txid {
		m = m1
	}
	v.pageSize, v.hwm = pageSize, max(m0.hwm, m1.hwm)
	if need := int64(v.hwm) * pageSize; v.size < need {
		return fmt.Sprintf("file is %d bytes but its meta page says %d pages of %d bytes (%d bytes): truncated", v.size, v.hwm, pageSize, need)
	}
	v.hwm = m.hwm
	v.seen = make([]uint64, (v.hwm+63)/64)
	v.mark(0)
	v.mark(1)
	if m.freelist != noFreelist {
		if p := v.checkFreelist(m.freelist); p != "" {
			return p
		}
	}
	return v.walk(m.root, 0)
}

// mark records a reference to page id and reports whether it was new.
func (v *verifier) mark(id uint64) bool {
	w, b := id/64, uint64(1)<<(id%64)
	if v.seen[w]&b != 0 {
		return false
	}
	v.seen[w] |= b
	return true
}

// page reads page id with its overflow pages and checks its header: inside
// the high-water mark, its own id, the wanted type, referenced once.
func (v *verifier) page(id uint64, want uint16, what string) ([]byte, string) {
	if id < 2 || id >= v.hwm {
		return nil, fmt.Sprintf("%s refers to page %d, outside the file's pages 2..%d", what, id, v.hwm-1)
	}
	b := v.data[int64(id)*v.pageSize : int64(id+1)*v.pageSize]
	le := binary.LittleEndian
	if got := le.Uint64(b); got != id {
		return nil, fmt.Sprintf("page %d carries the id %d (overwritten)", id, got)
	}
	flags, overflow := le.Uint16(b[8:]), uint64(le.Uint32(b[12:]))
	if flags&want == 0 || flags&^(flagBranch|flagLeaf|flagMeta|flagFreelist) != 0 || flags&(flags-1) != 0 {
		return nil, fmt.Sprintf("page %d (%s) has type %#x, want %s", id, what, flags, typeName(want))
	}
	if id+overflow >= v.hwm {
		return nil, fmt.Sprintf("page %d runs %d pages past the end of the file's pages", id, id+overflow-v.hwm+1)
	}
	for i := uint64(0); i <= overflow; i++ {
		if !v.mark(id + i) {
			return nil, fmt.Sprintf("page %d is referenced twice", id+i)
		}
	}
	return v.data[int64(id)*v.pageSize : int64(id+overflow+1)*v.pageSize], ""
}

func typeName(flags uint16) string {
	switch flags {
	case flagBranch | flagLeaf:
		return "branch or leaf"
	case flagFreelist:
		return "freelist"
	}
	return fmt.Sprintf("%#x", flags)
}

// checkFreelist checks the freelist page: every free page id inside the
// high-water mark.
func (v *verifier) checkFreelist(id uint64) string {
	b, p := v.page(id, flagFreelist, "the freelist")
	if p != "" {
		return p
	}
	le := binary.LittleEndian
	count, start := uint64(le.Uint16(b[10:])), uint64(pageHeaderSize)
	if count == 0xFFFF {
		count, start = le.Uint64(b[pageHeaderSize:]), pageHeaderSize+8
	}
	if count > (uint64(len(b))-start)/8 {
		return fmt.Sprintf("the freelist on page %d claims %d entries, more than the page holds", id, count)
	}
	for i := range count {
		if fid := le.Uint64(b[start+8*i:]); fid < 2 || fid >= v.hwm {
			return fmt.Sprintf("the freelist on page %d lists page %d, outside the file's pages", id, fid)
		}
	}
	return ""
}

// walk checks the tree rooted at page id and every bucket below it.
func (v *verifier) walk(id uint64, depth int) string {
	if depth > maxDepth {
		return fmt.Sprintf("page %d is nested more than %d levels deep (a cycle)", id, maxDepth)
	}
	b, p := v.page(id, flagBranch|flagLeaf, "the bucket tree")
	if p != "" {
		return p
	}
	return v.elements(b, id, depth)
}

// elements checks the elements of a branch or leaf page (or an inline
// bucket's page) held in b and walks what they refer to.
func (v *verifier) elements(b []byte, id uint64, depth int) string {
	le := binary.LittleEndian
	if len(b) < pageHeaderSize {
		return fmt.Sprintf("an inline bucket on page %d is shorter than a page header", id)
	}
	flags, count := le.Uint16(b[8:]), int(le.Uint16(b[10:]))
	if pageHeaderSize+count*leafElemSize > len(b) {
		return fmt.Sprintf("page %d claims %d elements, more than it holds", id, count)
	}
	for i := range count {
		off := pageHeaderSize + i*leafElemSize
		e := b[off : off+16]
		switch flags {
		case flagBranch:
			pos, ksize, child := uint64(le.Uint32(e)), uint64(le.Uint32(e[4:])), le.Uint64(e[8:])
			if uint64(off)+pos+ksize > uint64(len(b)) {
				return fmt.Sprintf("page %d: element %d points past the end of the page", id, i)
			}
			if p := v.walk(child, depth+1); p != "" {
				return p
			}
		case flagLeaf:
			eflags, pos, ksize, vsize := le.Uint32(e), uint64(le.Uint32(e[4:])), uint64(le.Uint32(e[8:])), uint64(le.Uint32(e[12:]))
			end := uint64(off) + pos + ksize + vsize
			if end > uint64(len(b)) {
				return fmt.Sprintf("page %d: element %d points past the end of the page", id, i)
			}
			if eflags&leafBucket == 0 {
				continue
			}
			val := b[uint64(off)+pos+ksize : end]
			if len(val) < bucketHeaderSize {
				return fmt.Sprintf("page %d: bucket element %d is too short", id, i)
			}
			if root := le.Uint64(val); root != 0 {
				if p := v.walk(root, depth+1); p != "" {
					return p
				}
			} else if p := v.inline(val[bucketHeaderSize:], id, depth); p != "" {
				return p
			}
		default:
			return fmt.Sprintf("page %d has type %#x, want branch or leaf", id, flags)
		}
	}
	return ""
}

// inline checks an inline bucket: a leaf page stored in its parent's value.
func (v *verifier) inline(b []byte, id uint64, depth int) string {
	if len(b) < pageHeaderSize || binary.LittleEndian.Uint16(b[8:]) != flagLeaf {
		return fmt.Sprintf("an inline bucket on page %d is not a leaf page", id)
	}
	if depth+1 > maxDepth {
		return fmt.Sprintf("buckets on page %d are nested more than %d levels deep", id, maxDepth)
	}
	return v.elements(b, id, depth+1)
}
