// Command gocheck verifies Parity's transparency log with Go's own sumdb/tlog and sumdb/note.
//
//	gocheck DIR
//
// DIR holds: vkey (the note verifier key), log/checkpoint and log/tile/... (C2SP tlog-tiles
// layout), old-checkpoint (a checkpoint signed earlier) and, for each artifact NAME in
// "report" and "round", NAME.entry (the logged bytes) and NAME.tlog-proof (C2SP tlog-proof).
// It prints one line per check and exits 1 at the first failure.
package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin string
	tree   tlog.Tree
}

func fail(format string, args ...interface{}) {
	fmt.Printf("FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func openCheckpoint(msg []byte, verifiers note.Verifiers) checkpoint {
	n, err := note.Open(msg, verifiers)
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		fail("checkpoint size: %v", err)
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize {
		fail("checkpoint root hash %q", lines[2])
	}
	var h tlog.Hash
	copy(h[:], raw)
	return checkpoint{lines[0], tlog.Tree{N: size, Hash: h}}
}

// tiles reads C2SP tile paths: Go names them tile/8/L/N, C2SP tile/L/N and tile/entries/N.
type tiles struct{ dir string }

func (t tiles) Height() int { return 8 }

func (t tiles) ReadTiles(ts []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(ts))
	for i, tile := range ts {
		p := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
		p = strings.Replace(p, "tile/data/", "tile/entries/", 1)
		data, err := os.ReadFile(filepath.Join(t.dir, "log", p))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t tiles) SaveTiles([]tlog.Tile, [][]byte) {}

func checkArtifact(dir, name string, cp checkpoint, verifiers note.Verifiers, hr tlog.HashReader) {
	entry, err := os.ReadFile(filepath.Join(dir, name+".entry"))
	if err != nil {
		fail("%v", err)
	}
	text, err := os.ReadFile(filepath.Join(dir, name+".tlog-proof"))
	if err != nil {
		fail("%v", err)
	}
	parts := bytes.SplitN(text, []byte("\n\n"), 2)
	if len(parts) != 2 {
		fail("%s proof: no checkpoint", name)
	}
	lines := strings.Split(string(parts[0]), "\n")
	if lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "index ") {
		fail("%s proof: header %q %q", name, lines[0], lines[1])
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "index "), 10, 64)
	if err != nil {
		fail("%s proof index: %v", name, err)
	}
	var proof tlog.RecordProof
	for _, l := range lines[2:] {
		raw, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(raw) != tlog.HashSize {
			fail("%s proof hash %q", name, l)
		}
		var h tlog.Hash
		copy(h[:], raw)
		proof = append(proof, h)
	}
	pcp := openCheckpoint(parts[1], verifiers)
	leaf := tlog.RecordHash(entry)
	if err := tlog.CheckRecord(proof, pcp.tree.N, pcp.tree.Hash, index, leaf); err != nil {
		fail("%s: Parity's inclusion proof: %v", name, err)
	}
	fmt.Printf("ok %s: Parity's .tlog-proof of entry %d checks against a tree of %d\n", name, index, pcp.tree.N)
	own, err := tlog.ProveRecord(cp.tree.N, index, hr)
	if err != nil {
		fail("%s: proving from the tiles: %v", name, err)
	}
	if err := tlog.CheckRecord(own, cp.tree.N, cp.tree.Hash, index, leaf); err != nil {
		fail("%s: inclusion proof built from the tiles: %v", name, err)
	}
	fmt.Printf("ok %s: inclusion proof built by Go from the tiles checks against the checkpoint\n", name)
}

func main() {
	dir := os.Args[1]
	vkey, err := os.ReadFile(filepath.Join(dir, "vkey"))
	if err != nil {
		fail("%v", err)
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(vkey)))
	if err != nil {
		fail("verifier key: %v", err)
	}
	verifiers := note.VerifierList(v)
	msg, err := os.ReadFile(filepath.Join(dir, "log", "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	cp := openCheckpoint(msg, verifiers)
	if cp.origin != v.Name() {
		fail("checkpoint origin %q is not the key name %q", cp.origin, v.Name())
	}
	fmt.Printf("ok checkpoint: signed by %s, size %d\n", v.Name(), cp.tree.N)
	// TileHashReader checks every tile it reads against the checkpoint's tree hash.
	hr := tlog.TileHashReader(cp.tree, tiles{dir})
	root, err := tlog.TreeHash(cp.tree.N, hr)
	if err != nil || root != cp.tree.Hash {
		fail("the tiles do not hash to the checkpoint's root: %v", err)
	}
	fmt.Println("ok tiles: hash to the checkpoint's root")
	for _, name := range []string{"report", "round"} {
		checkArtifact(dir, name, cp, verifiers, hr)
	}
	old, err := os.ReadFile(filepath.Join(dir, "old-checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	ocp := openCheckpoint(old, verifiers)
	proof, err := tlog.ProveTree(cp.tree.N, ocp.tree.N, hr)
	if err != nil {
		fail("consistency proof from the tiles: %v", err)
	}
	if err := tlog.CheckTree(proof, cp.tree.N, cp.tree.Hash, ocp.tree.N, ocp.tree.Hash); err != nil {
		fail("consistency between size %d and %d: %v", ocp.tree.N, cp.tree.N, err)
	}
	fmt.Printf("ok consistency: the tree of %d extends the tree of %d\n", cp.tree.N, ocp.tree.N)
}
