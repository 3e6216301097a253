//! Rules of start zorg (305) and stop zorg (307).

use super::{date, items, text, MessageCtx, MessageSink};

pub fn cs058(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    for (list, item) in [
        ("StartProducten", "StartProduct"),
        ("StopProducten", "StopProduct"),
    ] {
        let Some(l) = client.child(list) else {
            continue;
        };
        let list_loc = loc.child(l, 1);
        for (i, e) in items(client, list, item) {
            if let Some(s) = text(e, "StatusAanlevering") {
                if s != "1" && s != "3" {
                    out.push(
                        list_loc.child(e, i).at("StatusAanlevering"),
                        format!("StatusAanlevering {s} is niet toegestaan (alleen 1 of 3)"),
                    );
                }
            }
        }
    }
}

pub fn tr018(ctx: &MessageCtx<'_>, out: &mut MessageSink) {
    let Some((client, loc)) = ctx.top("Client") else {
        return;
    };
    let Some(l) = client.child("StopProducten") else {
        return;
    };
    let list_loc = loc.child(l, 1);
    for (i, e) in items(client, "StopProducten", "StopProduct") {
        if let (Some(b), Some(eind)) = (date(e, "Begindatum"), date(e, "Einddatum")) {
            if eind < b {
                out.push(
                    list_loc.child(e, i).at("Einddatum"),
                    format!("Einddatum {eind} ligt voor Begindatum {b}"),
                );
            }
        }
    }
}
