//! Shared HTML for the hosted pages: a clean Stripe-like frame, escaping, and form widgets.

use axum::response::Html;

const STYLE: &str = r#"
:root { --accent:#635bff; --text:#1a1f36; --muted:#697386; --border:#e3e8ee; --bg:#f6f9fc; --danger:#df1b41; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color:var(--text); background:var(--bg); }
header { background:#fff; border-bottom:1px solid var(--border); padding:14px 24px; display:flex; align-items:center; gap:10px; }
header .logo { width:28px; height:28px; border-radius:6px; background:var(--accent); color:#fff; display:grid; place-items:center; font-weight:700; }
header .badge { margin-left:auto; font-size:12px; color:var(--muted); border:1px solid var(--border); border-radius:10px; padding:2px 8px; }
main { max-width:560px; margin:32px auto; background:#fff; border:1px solid var(--border); border-radius:10px; padding:28px 32px; box-shadow:0 2px 5px rgba(60,66,87,.08); }
h1 { font-size:22px; margin:0 0 6px; } h2 { font-size:17px; margin:22px 0 8px; }
p.lead, .muted { color:var(--muted); margin-top:0; }
label { display:block; font-weight:500; margin:14px 0 4px; }
input[type=text], input[type=email], input[type=tel], input[type=url], input[type=date], select { width:100%; padding:9px 11px; border:1px solid var(--border); border-radius:6px; font:inherit; }
input:focus, select:focus { outline:2px solid var(--accent); outline-offset:1px; }
.row { display:flex; gap:12px; } .row > div { flex:1; }
.check { display:flex; gap:8px; align-items:flex-start; margin:14px 0; font-weight:400; }
.actions { display:flex; gap:12px; align-items:center; margin-top:24px; flex-wrap:wrap; }
button { font:inherit; font-weight:600; border-radius:6px; padding:9px 16px; cursor:pointer; border:1px solid var(--border); background:#fff; color:var(--text); }
button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
a { color:var(--accent); }
.steps { display:flex; gap:6px; margin:0 0 18px; padding:0; list-style:none; font-size:13px; color:var(--muted); }
.steps li { flex:1; border-top:3px solid var(--border); padding-top:6px; }
.steps li.done, .steps li.current { border-color:var(--accent); color:var(--text); }
.error { color:var(--danger); background:#fff0f3; border:1px solid #ffd1db; border-radius:6px; padding:8px 12px; }
.choice { border:1px solid var(--border); border-radius:8px; padding:10px 12px; margin:8px 0; }
dl { display:grid; grid-template-columns: 40% 60%; gap:6px 12px; } dt { color:var(--muted); } dd { margin:0; }
"#;

/// A full page with the sandbox frame.
pub fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><div class=\"logo\" aria-hidden=\"true\">S</div><strong>Stripe</strong>\
         <span class=\"badge\">Test mode · offline sandbox</span></header>\
         <main>{body}</main></body></html>",
        title = escape(title),
    ))
}

/// HTML-escapes text.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// A labelled text input whose `name` and `id` are `name`.
pub fn input(name: &str, label: &str, kind: &str, value: &str, placeholder: &str) -> String {
    format!(
        "<label for=\"{name}\">{label}</label><input type=\"{kind}\" id=\"{name}\" name=\"{name}\" \
         value=\"{value}\" placeholder=\"{placeholder}\">",
        label = escape(label),
        value = escape(value),
        placeholder = escape(placeholder),
    )
}

/// A labelled select with `(value, label)` options.
pub fn select(name: &str, label: &str, options: &[(&str, &str)], selected: &str) -> String {
    let opts: String = options
        .iter()
        .map(|(v, l)| {
            let sel = if *v == selected { " selected" } else { "" };
            format!(
                "<option value=\"{}\"{sel}>{}</option>",
                escape(v),
                escape(l)
            )
        })
        .collect();
    format!(
        "<label for=\"{name}\">{}</label><select id=\"{name}\" name=\"{name}\">{opts}</select>",
        escape(label)
    )
}
