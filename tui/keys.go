package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap lists every key binding; the help line and the help screen are
// generated from it.
type KeyMap struct {
	Left, Right, Up, Down key.Binding
	Tab, Enter, Back      key.Binding
	Filter, Sort          key.Binding
	ZoomIn, ZoomOut       key.Binding
	Follow, Export        key.Binding
	Errors, Help, Quit    key.Binding
	Days, Lines           key.Binding
	// Paging in the raw lines, the detail and the day view's bursts.
	PageDown, PageUp, HalfDown, HalfUp, Top, Bottom key.Binding
	ScrollLeft, ScrollRight                         key.Binding
}

// DefaultKeyMap is badgw's key layout.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Left:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "earlier")),
		Right:   key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "later")),
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "previous burst")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "next burst")),
		Tab:     key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "switch pane")),
		Enter:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "burst detail")),
		Back:    key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort time/size")),
		ZoomIn:  key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+", "zoom in")),
		ZoomOut: key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "zoom out")),
		Follow:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "follow live edge")),
		Export:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "export CSV")),
		Errors:  key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unparsed lines")),
		Days:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "days")),
		Lines:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw lines")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "all keys")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),

		PageDown:    key.NewBinding(key.WithKeys("pgdown", " ", "ctrl+f"), key.WithHelp("pgdn/space/^f", "page down")),
		PageUp:      key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup/^b", "page up")),
		HalfDown:    key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("^d", "half a page down")),
		HalfUp:      key.NewBinding(key.WithKeys("ctrl+u"), key.WithHelp("^u", "half a page up")),
		Top:         key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home/g", "first")),
		Bottom:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end/G", "last")),
		ScrollLeft:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "scroll left")),
		ScrollRight: key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "scroll right")),
	}
}

// short is the one-line help, most used first.
func (k KeyMap) short() []key.Binding {
	return []key.Binding{k.Tab, k.Enter, k.Lines, k.Filter, k.ZoomIn, k.ZoomOut, k.Export, k.Help, k.Quit}
}

// paging is what moves through a long list or text, for the help screen.
func (k KeyMap) paging() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageDown, k.PageUp, k.HalfDown, k.HalfUp, k.Top, k.Bottom}
}

// full is every binding of the main screen, for the help screen.
func (k KeyMap) full() []key.Binding {
	return []key.Binding{k.Left, k.Right, k.Up, k.Down, k.Tab, k.Enter, k.Back, k.Filter, k.Sort,
		k.ZoomIn, k.ZoomOut, k.Follow, k.Export, k.Errors, k.Days, k.Lines, k.Help, k.Quit}
}
