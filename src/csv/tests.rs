use super::*;

/// (line, cell texts) of each row.
type Rows = Vec<(usize, Vec<String>)>;

/// Every row of `text` read with `delimiter`: the header, the rows and the comment count.
fn read(text: &str, delimiter: Delimiter) -> (Vec<String>, Rows, usize) {
    let (table, header) = Table::open("t.csv", text.as_bytes(), delimiter).unwrap();
    let mut table = table;
    let rows = (&mut table)
        .map(|row| {
            let row = row.unwrap();
            (row.number, row.cells.into_iter().map(|c| c.text).collect())
        })
        .collect();
    let names = header.cells.into_iter().map(|c| c.text).collect();
    (names, rows, table.comments())
}

fn strings(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

#[test]
fn r_write_csv_output_with_a_bom_crlf_quotes_and_na_reads_as_cells() {
    // write.csv(d, fileEncoding = "UTF-8-BOM") on Windows: quoted names and text, NA.
    let text = "\u{FEFF}\"\",\"ID\",\"DV\"\r\n\"1\",\"A,1\",NA\r\n\r\n\"2\",\"B\",0.5\r\n";
    let (names, rows, _) = read(text, Delimiter::Auto);
    assert_eq!(names, strings(&["", "ID", "DV"]));
    assert_eq!(rows[0], (2, strings(&["1", "A,1", "NA"])));
    assert_eq!(rows[1], (4, strings(&["2", "B", "0.5"])));
    assert_eq!(number("NA"), Ok(None));
}

#[test]
fn a_quoted_cell_may_span_lines_and_the_row_keeps_its_first_line() {
    let text = "ID,NOTE,DV\n1,\"two\nlines\",3\n2,x,4\n";
    let (_, rows, _) = read(text, Delimiter::Comma);
    assert_eq!(rows[0], (2, strings(&["1", "two\nlines", "3"])));
    assert_eq!(rows[1].0, 4);
    let (table, _) = Table::open("t.csv", "ID,DV\n1,\"open\n".as_bytes(), Delimiter::Auto).unwrap();
    let error = table.last().unwrap().unwrap_err();
    assert!(error.message.contains("row 2"), "{}", error.message);
    assert!(error.message.contains("never closed"), "{}", error.message);
}

#[test]
fn comment_rows_are_skipped_and_counted_and_a_commented_header_is_used() {
    let text = "# study 1\n#ID,TIME,DV\n1,0,.\n@ note\n1,1,2\n";
    let (names, rows, comments) = read(text, Delimiter::Auto);
    assert_eq!(names, strings(&["ID", "TIME", "DV"]));
    assert_eq!(
        rows,
        [
            (3, strings(&["1", "0", "."])),
            (5, strings(&["1", "1", "2"]))
        ]
    );
    assert_eq!(comments, 2);
    // The header's columns are those of the line, after the `#`.
    let (_, header) = Table::open("t.csv", "#ID,TIME\n1,0\n".as_bytes(), Delimiter::Auto).unwrap();
    assert_eq!((header.number, header.cells[1].column), (1, 5));
}

#[test]
fn tabs_and_blanks_are_detected_and_a_nonmem_table_title_is_skipped() {
    let (names, rows, _) = read("ID\tTIME\n1\t0.5\n", Delimiter::Auto);
    assert_eq!(
        (names, &rows[0].1),
        (strings(&["ID", "TIME"]), &strings(&["1", "0.5"]))
    );
    let table = "TABLE NO.  1\n ID          TIME\n  1.0000E+00  5.0000E-01\n";
    let (names, rows, comments) = read(table, Delimiter::Auto);
    assert_eq!(names, strings(&["ID", "TIME"]));
    assert_eq!((rows[0].0, comments), (3, 1));
    assert_eq!(number(&rows[0].1[1]), Ok(Some(0.5)));
}

#[test]
fn a_semicolon_file_is_refused_naming_the_delimiter_unless_asked_for() {
    let text = "ID;TIME;DV\n1;0;1,5\n";
    let Err(error) = Table::open("t.csv", text.as_bytes(), Delimiter::Auto) else {
        panic!("a semicolon file was read");
    };
    assert!(
        error.message.contains("semicolons (`;`)"),
        "{}",
        error.message
    );
    let location = error.location.unwrap();
    assert_eq!((location.line, location.column), (1, 3));
    let (_, rows, _) = read(text, Delimiter::Semicolon);
    assert_eq!(rows[0].1[2], "1,5");
    assert!(number_hint("1,5").contains("write `1.5`"));
}

#[test]
fn text_that_is_not_utf8_or_has_runaway_lines_is_refused_with_its_line() {
    let latin1 = b"ID,DV\n1,\xB5g\n";
    let (mut table, _) = Table::open("t.csv", &latin1[..], Delimiter::Auto).unwrap();
    let error = table.next().unwrap().unwrap_err();
    assert!(
        error.message.starts_with("line 2 of `t.csv` is not UTF-8"),
        "{}",
        error.message
    );
    let long = format!("ID\n{}\n", "1".repeat(MAX_LINE_BYTES + 1));
    let (mut table, _) = Table::open("t.csv", long.as_bytes(), Delimiter::Auto).unwrap();
    let error = table.next().unwrap().unwrap_err();
    assert!(
        error.message.contains("longer than 1 MB"),
        "{}",
        error.message
    );
    assert!(Table::open("t.csv", &b"\n\n# only\n"[..], Delimiter::Auto).is_err());
}
