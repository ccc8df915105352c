//go:build unix

package storage

import (
	"fmt"
	"os"
	"syscall"
)

// mapFile maps the file read-only, so that Verify reads pages in place.
func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("file of %d bytes too large to map", size)
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("map file: %w", err)
	}
	return b, func() { syscall.Munmap(b) }, nil
}
