//! Fuzzes the SQL front end and replay: any bytes, every engine, no panic,
//! spans inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipgate::analysis::replay_history;
use shipgate::engine::Engine;
use shipgate::facts::facts;
use shipgate::sql::lower::Lowering;
use shipgate::sql::parse::parse_script;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let file: Arc<str> = Arc::from("fuzz.sql");
    for engine in Engine::ALL {
        let low = Lowering {
            engine,
            volatile_functions: &facts(engine).volatile_functions,
        };
        let stmts = parse_script(&file, &text, 0..text.len(), &low);
        for s in &stmts {
            assert!(s.span.end <= text.len());
        }
        let _ = replay_history(stmts.iter(), engine);
    }
});
