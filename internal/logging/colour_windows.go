//go:build windows

package logging

import "golang.org/x/sys/windows"

// enableColour turns on ANSI escape processing for the console fd, which
// older Windows consoles leave off; without it colour codes show as junk.
func enableColour(fd uintptr) bool {
	h := windows.Handle(fd)
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	if mode&windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0 {
		return true
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
