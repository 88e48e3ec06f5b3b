package tui

import "github.com/charmbracelet/lipgloss"

// Styles holds every style the interface uses.
type Styles struct {
	Title, Dim, Bold, Selected, Focus, Blur lipgloss.Style
	Bar502, Bar504, Bar5xx, BarOK, Bar4xx   lipgloss.Style
	BurstMark, Cursor, Warn, Good, Help     lipgloss.Style
	Cause                                   lipgloss.Style
}

// DefaultStyles colours by status class: red 502, yellow 504, magenta other
// 5xx; lipgloss drops colours the terminal cannot show.
func DefaultStyles() Styles {
	return Styles{
		Title:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("1")).Padding(0, 1),
		Dim:       lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Bold:      lipgloss.NewStyle().Bold(true),
		Selected:  lipgloss.NewStyle().Reverse(true),
		Focus:     lipgloss.NewStyle().Border(lipgloss.ThickBorder()).BorderForeground(lipgloss.Color("4")),
		Blur:      lipgloss.NewStyle().Border(lipgloss.NormalBorder()).BorderForeground(lipgloss.Color("8")),
		Bar502:    lipgloss.NewStyle().Foreground(lipgloss.Color("9")),
		Bar504:    lipgloss.NewStyle().Foreground(lipgloss.Color("11")),
		Bar5xx:    lipgloss.NewStyle().Foreground(lipgloss.Color("13")),
		Bar4xx:    lipgloss.NewStyle().Foreground(lipgloss.Color("6")),
		BarOK:     lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		BurstMark: lipgloss.NewStyle().Foreground(lipgloss.Color("9")).Bold(true),
		Cursor:    lipgloss.NewStyle().Reverse(true),
		Warn:      lipgloss.NewStyle().Foreground(lipgloss.Color("11")),
		Good:      lipgloss.NewStyle().Foreground(lipgloss.Color("2")),
		Help:      lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Cause:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("9")),
	}
}

// PlainStyles has no colour, for NO_COLOR and goldens; a thick border
// shows the focused pane and a marker the selected burst, which need
// neither colour nor reverse video.
func PlainStyles() Styles {
	p := lipgloss.NewStyle()
	return Styles{
		Title: p.Bold(true), Dim: p, Bold: p.Bold(true), Selected: p.Reverse(true),
		Focus: p.Border(lipgloss.ThickBorder()), Blur: p.Border(lipgloss.NormalBorder()),
		Bar502: p, Bar504: p, Bar5xx: p, Bar4xx: p, BarOK: p,
		BurstMark: p, Cursor: p.Reverse(true), Warn: p, Good: p, Help: p, Cause: p.Bold(true),
	}
}
