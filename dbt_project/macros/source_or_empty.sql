{#- A raw table that ingest may not have created yet (its ingest asset never ran, e.g. a warehouse built before the
    source existed): the table when it exists, else an empty row set with the given columns, so that the models
    downstream still build. source() is called unconditionally so dbt records the lineage at parse time. -#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- if execute and adapter.get_relation(database=relation.database, schema=relation.schema,
                                            identifier=relation.identifier) is none -%}
        (select {% for name, type in columns.items() %}cast(null as {{ type }}) as {{ name }}{{ ", " if not loop.last }}{% endfor %} where false)
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
