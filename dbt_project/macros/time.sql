{#- Timestamps are stored in UTC without a zone; weeks and tertials are computed in local (Stockholm) time. -#}
{% macro to_local(column) -%}
    timezone('{{ var("timezone") }}', timezone('UTC', {{ column }}))
{%- endmacro %}

{#- Monday of the ISO week a local timestamp or date falls in. -#}
{% macro week_start(local_ts) -%}
    cast(date_trunc('week', {{ local_ts }}) as date)
{%- endmacro %}

{#- Tertial id such as 2026-T1 (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec) of a local date. -#}
{% macro tertial_id(local_date) -%}
    (cast(year({{ local_date }}) as varchar) || '-T' || cast(1 + (month({{ local_date }}) - 1) // 4 as varchar))
{%- endmacro %}

{#- First day of the tertial (1 January, 1 May or 1 September) a local date falls in. -#}
{% macro tertial_start(local_date) -%}
    make_date(cast(year({{ local_date }}) as bigint), cast(1 + 4 * ((month({{ local_date }}) - 1) // 4) as bigint), 1)
{%- endmacro %}
