package tui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// page moves a selection sel among n items by what the paging key msg
// asks, a page being rows items; ok is false for any other key.
func (k KeyMap) page(msg tea.KeyMsg, sel, n, rows int) (int, bool) {
	last := max(0, n-1)
	switch {
	case key.Matches(msg, k.Up):
		sel--
	case key.Matches(msg, k.Down):
		sel++
	case key.Matches(msg, k.PageDown):
		sel += rows
	case key.Matches(msg, k.PageUp):
		sel -= rows
	case key.Matches(msg, k.HalfDown):
		sel += max(1, rows/2)
	case key.Matches(msg, k.HalfUp):
		sel -= max(1, rows/2)
	case key.Matches(msg, k.Top):
		sel = 0
	case key.Matches(msg, k.Bottom):
		sel = last
	default:
		return sel, false
	}
	return min(max(0, sel), last), true
}

// scrollStep is how far ←/→ move the raw lines sideways.
const scrollStep = 16

// scroll moves a horizontal offset col by what msg asks, up to widest;
// ok is false for any other key.
func (k KeyMap) scroll(msg tea.KeyMsg, col, widest int) (int, bool) {
	switch {
	case key.Matches(msg, k.ScrollLeft):
		return max(0, col-scrollStep), true
	case key.Matches(msg, k.ScrollRight):
		return min(max(0, widest-scrollStep), col+scrollStep), true
	}
	return col, false
}
