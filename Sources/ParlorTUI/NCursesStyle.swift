import CNCurses

/// Curses attributes a styler can return, so callers need not import the C module.
public enum NCursesStyle {
    public static var normal: attr_t { cnc_a_normal() }
    public static var bold: attr_t { cnc_a_bold() }
    public static var dim: attr_t { cnc_a_dim() }
    public static var reverse: attr_t { cnc_a_reverse() }
    public static var underline: attr_t { cnc_a_underline() }
}
